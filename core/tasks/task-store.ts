import { randomUUID } from 'node:crypto';
import { raw, type EntityManager, type MikroORM } from '@mikro-orm/core';
import type { Bus } from '../bus/bus.js';
import type { Logger } from '../logger.js';
import type { Principal } from '../principal.js';
import { TaskEntity, TaskEventEntity, type Task } from './task-entities.js';
import type { TaskEventType } from './task-state.js';
import {
  TASK_UPDATES_CHANNEL,
  taskEventsChannel,
  toTaskEventView,
  toTaskView,
  type TaskEventView,
  type TaskView,
} from './task-view.js';

export interface NewTask {
  /** Chosen by the caller when it must name the task before it is stored (coalescing requests); random otherwise. */
  id?: string;
  kind: string;
  subjectId: string;
  input: Record<string, unknown>;
  principal: Principal;
  stepNames: string[];
}

export interface EventInput {
  type: TaskEventType;
  message: string;
  step?: string | null;
}

/** Thrown to roll a transition back when its change does not apply. */
const UNCHANGED = Symbol('unchanged');

/** What a caller publishes once its own transaction has committed. */
export interface Published {
  task: TaskView;
  event: TaskEventView;
}

/**
 * Every write to a task goes through here, and every write adds exactly one event: the task's row
 * and its event commit together, then the event is published. Sequence numbers come from the
 * task row (`last_seq + 1`), whose update also locks the row against a concurrent writer.
 */
export class TaskStore {
  constructor(
    private readonly orm: MikroORM,
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  /**
   * Adds a queued task inside the caller's transaction, so a subject and its first task are
   * written together or not at all. Call `publish` with the result after the commit.
   */
  add(em: EntityManager, spec: NewTask): Published {
    const now = new Date();
    const task = em.create(TaskEntity, {
      id: spec.id ?? randomUUID(),
      kind: spec.kind,
      subjectId: spec.subjectId,
      state: 'QUEUED',
      progress: 0,
      steps: spec.stepNames.map((name) => ({ name, state: 'PENDING', startedAt: null, finishedAt: null, error: null })),
      error: null,
      attempt: 0,
      requestedBy: spec.principal.username,
      principal: spec.principal,
      input: spec.input,
      output: {},
      cancelRequested: false,
      lastSeq: 1,
      createdAt: now,
      updatedAt: now,
    });
    const event = em.create(TaskEventEntity, {
      taskId: task.id,
      seq: 1,
      at: now,
      type: 'TASK_QUEUED',
      message: `${spec.kind} queued by ${spec.principal.username}`,
      progress: 0,
      step: null,
    });
    return { task: toTaskView(task), event: toTaskEventView(event, task.subjectId) };
  }

  /**
   * Changes a task and records why, in one transaction; then publishes. A `change` that returns
   * `null` leaves the task as it was (the state it found does not allow the change).
   */
  async transition(taskId: string, change: (task: Task) => EventInput): Promise<Published>;
  async transition(taskId: string, change: (task: Task) => EventInput | null): Promise<Published | null>;
  async transition(taskId: string, change: (task: Task) => EventInput | null): Promise<Published | null> {
    const published = await this.orm.em.fork().transactional(async (em): Promise<Published> => {
      // Write first: the row lock (PostgreSQL) or the write lock (SQLite) orders concurrent writers.
      await em.nativeUpdate(TaskEntity, { id: taskId }, { lastSeq: raw('last_seq + 1') });
      const task = await em.findOneOrFail(TaskEntity, { id: taskId }, { refresh: true });
      const input = change(task);
      if (!input) throw UNCHANGED;
      const event = em.create(TaskEventEntity, {
        taskId,
        seq: task.lastSeq,
        at: new Date(),
        type: input.type,
        message: input.message,
        progress: task.progress,
        step: input.step ?? null,
      });
      await em.flush();
      return { task: toTaskView(task), event: toTaskEventView(event, task.subjectId) };
    }).catch((error) => {
      if (error === UNCHANGED) return null;
      throw error;
    });
    if (published) await this.publish(published);
    return published;
  }

  /** Best effort: subscribers read the store when a message is missing. */
  async publish({ task, event }: Published): Promise<void> {
    try {
      await this.bus.publish(taskEventsChannel(task.id), event);
      await this.bus.publish(TASK_UPDATES_CHANNEL, task);
    } catch (error) {
      this.logger.warn({ taskId: task.id, err: error }, 'task event stored but not published');
    }
  }

  /**
   * Takes a task for one worker, or says no: it is finished, another worker holds a live lease,
   * or an earlier task of the same subject has not finished (tasks of a subject run in order).
   */
  async claim(taskId: string, workerId: string, leaseMs: number): Promise<Task | null> {
    const em = this.orm.em.fork();
    const task = await em.findOne(TaskEntity, { id: taskId });
    if (!task) return null;
    if (await this.hasActivePredecessor(em, task)) return null;
    const now = new Date();
    const claimed = await em.nativeUpdate(
      TaskEntity,
      {
        id: taskId,
        // A released lease (a retry waiting out its backoff) or a lapsed one (a dead worker).
        $or: [{ state: 'QUEUED' }, { state: 'RUNNING', $or: [{ leaseOwner: null }, { leaseUntil: null }, { leaseUntil: { $lt: now } }] }],
      },
      {
        state: 'RUNNING',
        leaseOwner: workerId,
        leaseUntil: new Date(now.getTime() + leaseMs),
        attempt: raw('attempt + 1'),
        startedAt: task.startedAt ?? now,
        updatedAt: now,
      },
    );
    if (claimed !== 1) return null;
    return this.orm.em.fork().findOneOrFail(TaskEntity, { id: taskId });
  }

  /** Keeps a running task's lease; false when the worker lost it and must stop. */
  async renewLease(taskId: string, workerId: string, leaseMs: number, leaseUntil = new Date(Date.now() + leaseMs)) {
    const renewed = await this.orm.em
      .fork()
      .nativeUpdate(TaskEntity, { id: taskId, leaseOwner: workerId, state: 'RUNNING' }, { leaseUntil });
    return renewed === 1;
  }

  private async hasActivePredecessor(em: EntityManager, task: Task): Promise<boolean> {
    const earlier = await em.count(TaskEntity, {
      subjectId: task.subjectId,
      state: { $in: ['QUEUED', 'RUNNING'] },
      $or: [{ createdAt: { $lt: task.createdAt } }, { createdAt: task.createdAt, id: { $lt: task.id } }],
    });
    return earlier > 0;
  }

  /** The task of this subject that may run next, if it is waiting. */
  async nextInLine(subjectId: string): Promise<string | null> {
    const next = await this.orm.em.fork().findOne(
      TaskEntity,
      { subjectId, state: { $in: ['QUEUED', 'RUNNING'] } },
      { orderBy: { createdAt: 'asc', id: 'asc' }, fields: ['id', 'state'] },
    );
    return next?.state === 'QUEUED' ? next.id : null;
  }

  /**
   * Tasks that no worker will pick up on its own: running with a lapsed lease (the worker died)
   * or queued at the head of their subject's line (the job was lost with an in-process queue).
   */
  async orphans(now = new Date()): Promise<string[]> {
    const em = this.orm.em.fork();
    const abandoned = await em.find(
      TaskEntity,
      { state: 'RUNNING', $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
      { fields: ['id'] },
    );
    const waiting = await em.find(TaskEntity, { state: 'QUEUED' }, { fields: ['id', 'subjectId'] });
    const heads = await Promise.all(
      [...new Set(waiting.map((task) => task.subjectId))].map((subjectId) => this.nextInLine(subjectId)),
    );
    return [...abandoned.map((task) => task.id), ...heads.filter((id): id is string => id !== null)];
  }

  async get(taskId: string): Promise<TaskView | null> {
    const task = await this.orm.em.fork().findOne(TaskEntity, { id: taskId });
    return task ? toTaskView(task) : null;
  }

  async events(taskId: string, subjectId: string, after: number, limit = 1000): Promise<TaskEventView[]> {
    const events = await this.orm.em
      .fork()
      .find(TaskEventEntity, { taskId, seq: { $gt: after } }, { orderBy: { seq: 'asc' }, limit });
    return events.map((event) => toTaskEventView(event, subjectId));
  }
}
