import type { EntityManager } from '@mikro-orm/core';
import { conflict } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Principal } from '../principal.js';
import type { JobQueue } from '../queue/queue.js';
import type { NewTask, Published, TaskStore } from './task-store.js';
import type { TaskView } from './task-view.js';

/** How the API side hands work to the workers: submit inside a transaction, dispatch after it. */
export class TaskService {
  constructor(
    readonly store: TaskStore,
    private readonly queue: JobQueue,
    private readonly logger: Logger,
  ) {}

  /** Adds the task to the caller's transaction; pass the result to `dispatch` once it commits. */
  submit(em: EntityManager, task: NewTask): Published {
    return this.store.add(em, task);
  }

  /**
   * Announces and enqueues a committed task. A queue that is down loses nothing: the task is
   * stored, and the scheduler's sweep enqueues waiting tasks again.
   */
  async dispatch(published: Published): Promise<TaskView> {
    await this.store.publish(published);
    const { id, kind, subjectId } = published.task;
    // In the request's log context: this line ties the request id to the task id the worker logs.
    this.logger.info({ taskId: id, kind, subjectId }, 'task queued');
    try {
      await this.queue.enqueue(published.task.id);
    } catch (error) {
      this.logger.warn({ taskId: published.task.id, err: error }, 'task stored but not enqueued; the sweep will retry');
    }
    return published.task;
  }

  /** A queued task is cancelled at once; a running one stops and undoes itself at its next step. */
  async cancel(taskId: string, principal: Principal): Promise<TaskView> {
    const cancelled = await this.store.transition(taskId, (task) => {
      if (task.state !== 'QUEUED') return null;
      task.state = 'CANCELLED';
      task.finishedAt = new Date();
      task.error = { code: 'CANCELLED', message: `cancelled by ${principal.username} before it started`, step: null };
      return { type: 'TASK_CANCELLED', message: `cancelled by ${principal.username} before it started` };
    });
    if (cancelled) {
      const next = await this.store.nextInLine(cancelled.task.subjectId);
      if (next) await this.queue.enqueue(next);
      return cancelled.task;
    }
    const requested = await this.store.transition(taskId, (task) => {
      if (task.state !== 'RUNNING' || task.cancelRequested) return null;
      task.cancelRequested = true;
      return { type: 'TASK_CANCEL_REQUESTED', message: `cancellation requested by ${principal.username}` };
    });
    if (requested) return requested.task;
    const task = await this.store.get(taskId);
    if (task?.state === 'RUNNING') return task; // already asked to cancel
    throw conflict(`Task ${taskId} has already finished (${task?.state}); there is nothing to cancel`);
  }
}
