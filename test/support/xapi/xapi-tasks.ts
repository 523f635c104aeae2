import { randomUUID } from 'node:crypto';
import { XapiFailure } from './xapi-failure.js';
import type { XapiObjects } from './xapi-objects.js';
import { EPOCH, NULL_REF, xapiNow } from './xapi-records.js';

/** How often long work looks up from what it is doing: for progress, cancellation and held tasks. */
const TICK_MS = 10;

/**
 * One operation at work, as XAPI's task behind every call (taskHelper.ml): progress 0–1 that moves
 * while it works, and cancellation that is only a request — honoured at the operation's next step
 * while it is cancellable, ignored otherwise (the Task.cancel documentation says a task "may fail to
 * be cancelled and may complete or fail normally").
 */
export class Job {
  #cancelRequested = false;
  #cancellable = true;
  #progress = 0;
  readonly #runner: TaskRunner;
  readonly finished: Promise<void>;
  #finish!: () => void;

  constructor(
    readonly task: string,
    runner: TaskRunner,
  ) {
    this.#runner = runner;
    this.finished = new Promise((resolve) => (this.#finish = resolve));
  }

  get progress(): number {
    return this.#progress;
  }

  setProgress(value: number): void {
    this.#progress = Math.min(1, Math.max(0, value));
    this.#runner.recordProgress(this);
  }

  /** Operations that cannot be undone half-way (revert) stop advertising `cancel`. */
  setCancellable(cancellable: boolean): void {
    this.#cancellable = cancellable;
    this.#runner.recordCancellable(this, cancellable);
  }

  requestCancel(): void {
    if (this.#cancellable) this.#cancelRequested = true;
  }

  throwIfCancelled(): void {
    if (this.#cancelRequested || this.#runner.stopped) throw new XapiFailure('TASK_CANCELLED', this.task);
  }

  /**
   * Spends `ms` at work, moving progress towards `to` in steps, and gives up with TASK_CANCELLED
   * when cancelled. While the runner holds tasks, waits for their release however long it takes.
   */
  async work(ms: number, to = this.#progress): Promise<void> {
    const from = this.#progress;
    const steps = Math.max(1, Math.ceil(ms / TICK_MS));
    for (let step = 1; step <= steps; step++) {
      await sleep(ms / steps);
      this.throwIfCancelled();
      if (!this.#runner.held) this.setProgress(from + ((to - from) * step) / steps);
    }
    while (this.#runner.held) {
      await sleep(TICK_MS);
      this.throwIfCancelled();
    }
  }

  markFinished(): void {
    this.#finish();
  }
}

/**
 * Runs calls the way XAPI does: a synchronous call answers when its work is done; an `Async.*`
 * call gets a task record at once (status pending, progress 0) and the work goes on in the
 * background until the record says success (with `result` in XML-RPC encoding, as XAPI stores it),
 * failure (with `error_info`) or cancelled.
 */
export class TaskRunner {
  readonly #objects: XapiObjects;
  readonly #jobs = new Map<string, Job>();
  #held = false;
  #stopped = false;

  constructor(objects: XapiObjects) {
    this.#objects = objects;
  }

  get held(): boolean {
    return this.#held;
  }

  /** The host is going away: all work ends at its next step, so no timer outlives the fake. */
  get stopped(): boolean {
    return this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
    this.#held = false;
  }

  /** Test hook: work stops advancing by itself; progress moves only by `setProgress` until `release`. */
  hold(): void {
    this.#held = true;
  }

  release(): void {
    this.#held = false;
  }

  job(task: string): Job | undefined {
    return this.#jobs.get(task);
  }

  /** `Async.<method>`: the task reference now, the work later. */
  startAsync(label: string, body: (job: Job) => Promise<unknown>): string {
    const task = this.#objects.task.create({
      name_label: label,
      name_description: '',
      allowed_operations: ['cancel'],
      current_operations: {},
      created: xapiNow(),
      finished: EPOCH,
      status: 'pending',
      resident_on: this.#objects.host.entries()[0]?.[0] ?? NULL_REF,
      progress: 0,
      type: '<none/>',
      result: '',
      error_info: [],
      other_config: {},
      subtask_of: NULL_REF,
      backtrace: '()',
    });
    const job = this.#begin(task);
    void body(job).then(
      (result) => this.#settle(job, { status: 'success', progress: 1, result: encodeResult(result) }),
      (error: unknown) => {
        const failure = asFailure(error);
        this.#settle(job, { status: failure.code === 'TASK_CANCELLED' ? 'cancelled' : 'failure', progress: 1, error_info: failure.errorInfo });
      },
    );
    return task;
  }

  /** A synchronous call: XAPI still runs it under a task (not in the task table), which hard_shutdown can cancel. */
  async runSync<T>(body: (job: Job) => Promise<T>): Promise<T> {
    const job = this.#begin(`OpaqueRef:${randomUUID()}`);
    try {
      return await body(job);
    } finally {
      this.#jobs.delete(job.task);
      job.markFinished();
    }
  }

  /** Task.cancel: a request recorded in current_operations, which the work honours at its next step if it can. */
  cancel(task: string, byTask: string): void {
    const record = this.#objects.task.get(task);
    if (record.status !== 'pending') return;
    record.current_operations[byTask] = 'cancel';
    this.#jobs.get(task)?.requestCancel();
  }

  recordProgress(job: Job): void {
    const record = this.#objects.task.find(job.task);
    if (record?.status === 'pending') record.progress = job.progress;
  }

  recordCancellable(job: Job, cancellable: boolean): void {
    const record = this.#objects.task.find(job.task);
    if (record?.status === 'pending') record.allowed_operations = cancellable ? ['cancel'] : [];
  }

  #begin(task: string): Job {
    const job = new Job(task, this);
    this.#jobs.set(task, job);
    return job;
  }

  #settle(job: Job, outcome: { status: 'success' | 'failure' | 'cancelled'; progress: number; result?: string; error_info?: string[] }): void {
    this.#jobs.delete(job.task);
    const record = this.#objects.task.find(job.task);
    // A task destroyed while running has nobody left to tell.
    if (record) Object.assign(record, outcome, { finished: xapiNow(), allowed_operations: [], current_operations: {} });
    job.markFinished();
  }
}

function asFailure(error: unknown): XapiFailure {
  if (error instanceof XapiFailure) return error;
  return new XapiFailure('INTERNAL_ERROR', error instanceof Error ? error.message : String(error));
}

/** Task.result holds the XML-RPC encoding of the value (Xmlrpc.to_string in taskHelper.ml); void is the empty string value. */
function encodeResult(result: unknown): string {
  const text = typeof result === 'string' ? result : '';
  return `<value>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</value>`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
