import { randomUUID } from 'node:crypto';
import { Queue, Worker, createNodeRedisClient } from 'bullmq';
import { createClient } from 'redis';
import { defaultQueueOptions, type JobHandler, type JobQueue, type QueueOptions } from './queue.js';

export interface BullmqQueueOptions extends QueueOptions {
  /** How long a worker holds a job before BullMQ counts it stalled (its process died) and hands it on. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/** BullMQ through node-redis: retries with exponential backoff, stalled jobs of dead workers taken up again. */
export class BullmqQueue implements JobQueue {
  private readonly queue: Queue;
  private worker: Worker | null = null;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly options: BullmqQueueOptions = defaultQueueOptions,
  ) {
    this.queue = new Queue(name, { connection: this.connection() });
    this.queue.on('error', () => {});
  }

  private connection() {
    const client = createClient({ url: this.url });
    // Errors surface through failed calls and BullMQ's own retries; an unheard 'error' event
    // would crash the process whenever Redis restarts.
    client.on('error', () => {});
    const adapter = createNodeRedisClient(client);
    adapter.on('error', () => {});
    return adapter;
  }

  async enqueue(taskId: string, options: { delayMs?: number } = {}): Promise<void> {
    await this.queue.add(
      'task',
      { taskId },
      {
        // Every enqueue is its own job: the runner's claim, not the job id, keeps a task single.
        jobId: randomUUID(),
        delay: options.delayMs,
        attempts: this.options.maxAttempts,
        backoff: { type: 'exponential', delay: this.options.backoffMs },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  async process(handler: JobHandler, options: { concurrency?: number } = {}): Promise<void> {
    this.worker = new Worker(
      this.name,
      async (job) => {
        const attempt = job.attemptsMade + 1;
        await handler({ taskId: job.data.taskId as string, attempt, finalAttempt: attempt >= this.options.maxAttempts });
      },
      {
        connection: this.connection(),
        concurrency: options.concurrency ?? 1,
        lockDuration: this.options.lockDurationMs ?? 30_000,
        stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      },
    );
    this.worker.on('error', () => {});
  }

  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  async ping(): Promise<void> {
    await this.queue.getJobCounts('waiting');
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
