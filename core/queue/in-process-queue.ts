import { defaultQueueOptions, type JobHandler, type JobQueue, type QueueOptions } from './queue.js';

interface Pending {
  taskId: string;
  attempt: number;
}

/** The embedded default: jobs live in this process's memory; the task sweep recovers them after a restart. */
export class InProcessQueue implements JobQueue {
  private readonly waiting: Pending[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private handler: JobHandler | null = null;
  private concurrency = 1;
  private delayed = 0;
  private closed = false;

  constructor(private readonly options: QueueOptions = defaultQueueOptions) {}

  async enqueue(taskId: string, options: { delayMs?: number } = {}): Promise<void> {
    this.add({ taskId, attempt: 1 }, options.delayMs ?? 0);
  }

  private add(job: Pending, delayMs: number) {
    if (this.closed) return;
    if (delayMs <= 0) {
      this.waiting.push(job);
      this.pump();
      return;
    }
    this.delayed++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayed--;
      this.waiting.push(job);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }

  async process(handler: JobHandler, options: { concurrency?: number } = {}): Promise<void> {
    this.handler = handler;
    this.concurrency = options.concurrency ?? 1;
    this.pump();
  }

  private pump() {
    while (this.handler && !this.closed && this.running.size < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      const finalAttempt = job.attempt >= this.options.maxAttempts;
      const run: Promise<void> = this.handler({ taskId: job.taskId, attempt: job.attempt, finalAttempt })
        .catch(() => {
          if (!finalAttempt) this.add({ ...job, attempt: job.attempt + 1 }, this.options.backoffMs * 2 ** (job.attempt - 1));
        })
        .finally(() => {
          this.running.delete(run);
          this.pump();
        });
      this.running.add(run);
    }
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.delayed;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}
