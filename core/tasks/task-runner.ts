import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '../logger.js';
import { withLogContext } from '../observability/log-context.js';
import { recordTaskAttempt } from '../observability/task-metrics.js';
import type { Job, JobQueue } from '../queue/queue.js';
import { TaskEntity, type Task } from './task-entities.js';
import type { TaskErrorRecord } from './task-state.js';
import type { EventInput, TaskStore } from './task-store.js';
import type { Step, StepContext, TaskOutcome, Workflow, WorkflowRegistry } from './workflow.js';

/** How the runner treats an error a step threw: retry the task later, or fail and compensate. */
export interface ErrorClassification {
  code: string;
  message: string;
  retryable: boolean;
}
export type ClassifyError = (error: unknown) => ErrorClassification;

export interface TaskRunnerOptions {
  orm: MikroORM;
  store: TaskStore;
  queue: JobQueue;
  workflows: WorkflowRegistry;
  /** Handed to every step as `context.deps`. */
  deps: unknown;
  classifyError: ClassifyError;
  logger: Logger;
  workerId: string;
  leaseMs: number;
  /** How long the queue waits before retry number `attempt + 1`; the sweep leaves the task alone that long. */
  retryDelayMs: (attempt: number) => number;
  /** After this many attempts a transient failure is final, however the task was re-enqueued. */
  maxAttempts: number;
}

const UNDO_TRIES = 3;

/**
 * Progress as the database keeps it: PostgreSQL's `real` holds about 7 digits, so 2/3 would come back
 * as 0.6666667 and a replayed event would differ from the live one. Three decimals survive both dialects.
 */
const storedProgress = (fraction: number) => Math.round(fraction * 1000) / 1000;

/** Thrown inside a run when another worker has taken the task over: stop without writing. */
class LeaseLost extends Error {}

/**
 * Executes tasks handed over by the queue. A task is claimed first, so duplicate or stale jobs do
 * nothing; steps that already succeeded are skipped, so a task whose worker died resumes where
 * it was; a failing task undoes its steps in reverse order before it settles.
 */
export class TaskRunner {
  constructor(private readonly options: TaskRunnerOptions) {}

  /** Every log line of the attempt carries the task's id (the log context), so it can be followed from its request. */
  readonly handle = (job: Job): Promise<void> => withLogContext({ taskId: job.taskId }, () => this.attempt(job));

  private async attempt(job: Job): Promise<void> {
    const { store, leaseMs, workerId, logger } = this.options;
    const task = await store.claim(job.taskId, workerId, leaseMs);
    if (!task) return;
    const log = logger.child({ kind: task.kind, attempt: task.attempt });
    const started = performance.now();
    let outcome = 'RETRYING';
    log.info({ subjectId: task.subjectId, workerId }, 'task attempt started');
    const lease = { lost: false };
    const heartbeat = setInterval(() => {
      store.renewLease(task.id, workerId, leaseMs).then(
        (held) => (lease.lost ||= !held),
        (error) => log.warn({ err: error }, 'could not renew the task lease'),
      );
    }, leaseMs / 3);
    try {
      const workflow = this.options.workflows.get(task.kind);
      if (!workflow) {
        await this.settle(task, 'FAILED', { code: 'UNKNOWN_TASK_KIND', message: `No workflow runs ${task.kind} tasks`, step: null });
        outcome = 'FAILED';
      } else {
        const run = new TaskRun(this.options, task, workflow, job, lease, log);
        await run.run();
        outcome = run.outcome ?? 'FAILED';
      }
    } catch (error) {
      if (error instanceof LeaseLost) {
        outcome = 'LEASE_LOST';
        log.warn('another worker took the task over');
        return;
      }
      throw error;
    } finally {
      clearInterval(heartbeat);
      const seconds = (performance.now() - started) / 1000;
      recordTaskAttempt(task.kind, outcome, seconds);
      log.info({ outcome, ms: Math.round(seconds * 1000) }, 'task attempt ended');
    }
    const next = await store.nextInLine(task.subjectId);
    if (next) await this.options.queue.enqueue(next);
  }

  private async settle(task: Task, outcome: TaskOutcome, error: TaskErrorRecord | null) {
    await this.options.store.transition(task.id, (current) => finish(current, outcome, error));
  }
}

function finish(task: Task, outcome: TaskOutcome, error: TaskErrorRecord | null): EventInput {
  task.state = outcome;
  task.error = error;
  task.finishedAt = new Date();
  task.leaseOwner = null;
  task.leaseUntil = null;
  if (outcome === 'SUCCEEDED') {
    task.progress = 1;
    return { type: 'TASK_SUCCEEDED', message: `${task.kind} succeeded` };
  }
  if (outcome === 'CANCELLED') return { type: 'TASK_CANCELLED', message: `${task.kind} cancelled` };
  return { type: 'TASK_FAILED', message: `${task.kind} failed: ${error?.message ?? 'unknown error'}` };
}

/** One attempt at one task. */
class TaskRun {
  private readonly output: Record<string, unknown>;
  private readonly context: StepContext<any, any>;
  private currentStep = 0;
  private lastProgressEvent = 0;
  /** Progress reports from a driver's callback, kept in order and awaited before the step ends. */
  private pendingProgress: Promise<void> = Promise.resolve();
  /** How the attempt ended, once it has settled the task. */
  outcome: TaskOutcome | null = null;

  constructor(
    private readonly options: TaskRunnerOptions,
    private readonly task: Task,
    private readonly workflow: Workflow<any, any>,
    private readonly job: Job,
    private readonly lease: { lost: boolean },
    private readonly log: Logger,
  ) {
    this.output = { ...task.output };
    const em = options.orm.em.fork();
    this.context = {
      taskId: task.id,
      subjectId: task.subjectId,
      input: task.input,
      principal: task.principal,
      deps: options.deps,
      em,
      output: this.output,
      record: async (key, value) => {
        this.output[key] = value;
        await options.orm.em.fork().nativeUpdate(TaskEntity, { id: task.id }, { output: { ...this.output } });
      },
      progress: (fraction) => {
        this.pendingProgress = this.pendingProgress.then(() =>
          // Never rejects, so an unawaited report cannot crash the worker; a lost lease is
          // noticed at the step's next transition.
          this.reportProgress(fraction).catch((error) => {
            if (!(error instanceof LeaseLost)) this.log.warn({ err: error }, 'progress not recorded');
          }),
        );
        return this.pendingProgress;
      },
      log: async (message) => {
        await this.transition(() => ({ type: 'STEP_LOG', message, step: this.stepName }));
      },
    };
  }

  private get stepName() {
    return this.workflow.steps[this.currentStep]?.name ?? null;
  }

  private async transition(change: (task: Task) => EventInput) {
    if (this.lease.lost) throw new LeaseLost();
    const { task } = await this.options.store.transition(this.task.id, change);
    // On SQLite a write completes without waiting on I/O: without a turn of the event loop between
    // events, a run of them (a provisioning run's output) would keep the process from serving
    // anyone, this task's own subscribers included, until the run ends.
    await nextTurn();
    return task;
  }

  async run(): Promise<void> {
    const { workerId } = this.options;
    const resumed = this.task.attempt > 1;
    await this.transition(() => ({
      type: 'TASK_STARTED',
      message: resumed ? `resumed by ${workerId} (attempt ${this.task.attempt})` : `started by ${workerId}`,
    }));
    // A task that was already compensating when its worker died goes on compensating.
    if (this.task.error) return this.compensate(this.task.error);

    const { steps } = this.workflow;
    for (let index = 0; index < steps.length; index++) {
      this.currentStep = index;
      const step = steps[index]!;
      if (this.task.steps[index]?.state === 'SUCCEEDED') continue;
      if (await this.cancelRequested()) {
        return this.compensate({ code: 'CANCELLED', message: 'cancelled on request', step: step.name });
      }
      await this.transition((task) => {
        task.steps[index] = { ...task.steps[index]!, state: 'RUNNING', startedAt: new Date().toISOString(), error: null };
        return { type: 'STEP_STARTED', message: `${step.name} started`, step: step.name };
      });
      try {
        await step.run(this.context);
        await this.pendingProgress;
      } catch (error) {
        await this.pendingProgress;
        if (error instanceof LeaseLost) throw error;
        await this.stepFailed(index, step, error);
        return;
      }
      await this.transition((task) => {
        task.steps[index] = { ...task.steps[index]!, state: 'SUCCEEDED', finishedAt: new Date().toISOString() };
        task.progress = Math.max(task.progress, storedProgress((index + 1) / steps.length));
        return { type: 'STEP_SUCCEEDED', message: `${step.name} succeeded`, step: step.name };
      });
    }
    await this.workflow.settle?.(this.context, 'SUCCEEDED');
    await this.transition((task) => finish(task, 'SUCCEEDED', null));
    this.outcome = 'SUCCEEDED';
  }

  private async stepFailed(index: number, step: Step<any, any>, error: unknown) {
    const { classifyError, retryDelayMs, leaseMs } = this.options;
    const failure = classifyError(error);
    this.log.warn({ step: step.name, err: error, ...failure }, 'step failed');
    if (failure.retryable && !this.job.finalAttempt && this.task.attempt < this.options.maxAttempts) {
      const delay = retryDelayMs(this.job.attempt);
      await this.transition((task) => {
        task.steps[index] = { ...task.steps[index]!, state: 'PENDING', error: failure.message };
        // The queue's retry may claim it (no owner); the sweep waits until the backoff is over.
        task.leaseOwner = null;
        task.leaseUntil = new Date(Date.now() + delay + leaseMs);
        return {
          type: 'TASK_RETRYING',
          message: `${step.name}: ${failure.message}; retrying in ${Math.round(delay / 1000)} s`,
          step: step.name,
        };
      });
      throw error;
    }
    await this.transition((task) => {
      task.steps[index] = {
        ...task.steps[index]!,
        state: 'FAILED',
        finishedAt: new Date().toISOString(),
        error: failure.message,
      };
      return { type: 'STEP_FAILED', message: `${step.name} failed: ${failure.message}`, step: step.name };
    });
    await this.compensate({ code: failure.code, message: failure.message, step: step.name });
  }

  /** Undoes, newest first, every step that ran or began to run, then settles the task. */
  private async compensate(error: TaskErrorRecord) {
    const outcome: TaskOutcome = error.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED';
    await this.transition((task) => {
      task.error = error;
      return { type: 'TASK_COMPENSATING', message: `undoing ${this.task.kind}: ${error.message}` };
    });
    const { steps } = this.workflow;
    const incomplete: string[] = [];
    for (let index = steps.length - 1; index >= 0; index--) {
      this.currentStep = index;
      const step = steps[index]!;
      // The task as claimed is stale for the steps this attempt ran; read them fresh.
      const fresh = (await this.options.store.get(this.task.id))?.steps[index]?.state;
      if (fresh === undefined || fresh === 'PENDING' || fresh === 'COMPENSATED' || fresh === 'SKIPPED') continue;
      if (step.undo && !(await this.undo(step))) {
        incomplete.push(step.name);
        continue;
      }
      await this.transition((task) => {
        task.steps[index] = { ...task.steps[index]!, state: 'COMPENSATED', finishedAt: new Date().toISOString() };
        return { type: 'STEP_COMPENSATED', message: `${step.name} undone`, step: step.name };
      });
    }
    const settled =
      incomplete.length === 0 ? error : { ...error, message: `${error.message} (could not undo: ${incomplete.join(', ')})` };
    await this.workflow.settle?.(this.context, outcome);
    await this.transition((task) => finish(task, outcome, settled));
    this.outcome = outcome;
  }

  private async undo(step: Step<any, any>): Promise<boolean> {
    for (let attempt = 1; attempt <= UNDO_TRIES; attempt++) {
      try {
        await step.undo!(this.context);
        return true;
      } catch (error) {
        if (error instanceof LeaseLost) throw error;
        const failure = this.options.classifyError(error);
        await this.transition(() => ({
          type: 'STEP_LOG',
          message: `undo of ${step.name} failed (try ${attempt} of ${UNDO_TRIES}): ${failure.message}`,
          step: step.name,
        }));
        if (!failure.retryable) return false;
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs(attempt)));
      }
    }
    return false;
  }

  private async cancelRequested() {
    const task = await this.options.orm.em.fork().findOne(TaskEntity, { id: this.task.id }, { fields: ['cancelRequested'] });
    return task?.cancelRequested ?? false;
  }

  private async reportProgress(fraction: number) {
    const total = this.workflow.steps.length;
    const overall = Math.min(1, (this.currentStep + Math.max(0, Math.min(1, fraction))) / total);
    // Enough to draw a progress bar; not an event per percent of a disk copy.
    if (overall - this.lastProgressEvent < 0.01 && fraction < 1) return;
    this.lastProgressEvent = overall;
    await this.transition((task) => {
      task.progress = Math.max(task.progress, storedProgress(overall));
      return { type: 'STEP_PROGRESS', message: `${this.stepName} ${Math.round(fraction * 100)}%`, step: this.stepName };
    });
  }
}
