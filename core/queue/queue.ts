/**
 * Where tasks wait for a worker. A job only names a task: the task's state lives in the database,
 * so losing or repeating a job is harmless (the runner claims a task before running it).
 */

export interface Job {
  taskId: string;
  /** 1 for the first try, growing with each retry of this job. */
  attempt: number;
  /** No retry follows if this try fails: the handler should fail for good instead of throwing. */
  finalAttempt: boolean;
}

export type JobHandler = (job: Job) => Promise<void>;

export interface JobQueue {
  /** Adds a job; `delayMs` holds it back that long. */
  enqueue(taskId: string, options?: { delayMs?: number }): Promise<void>;
  /**
   * Starts handing jobs to `handler`, at most `concurrency` at once. A handler that throws is
   * retried with exponential backoff until `maxAttempts`.
   */
  process(handler: JobHandler, options?: { concurrency?: number }): Promise<void>;
  /** Jobs waiting or delayed, for /metrics and /readyz. */
  depth(): Promise<number>;
  /** Throws when the queue's backend cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface QueueOptions {
  maxAttempts: number;
  /** The first retry waits this long; each later one twice as long as the one before. */
  backoffMs: number;
}

export const defaultQueueOptions: QueueOptions = { maxAttempts: 5, backoffMs: 1000 };
