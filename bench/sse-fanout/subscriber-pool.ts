import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

export interface SubscribersSetup {
  url: string;
  token: string;
  taskId: string;
  after: number;
  subscribers: number;
}

/** One task event once every subscriber has it. Times are epoch milliseconds, as `at` is. */
export interface Delivery {
  seq: number;
  /** When the event was recorded, as the server stamped it. */
  at: string;
  type: string;
  firstMs: number;
  lastMs: number;
}

export type SubscribersReport =
  | { kind: 'delivered'; delivery: Delivery }
  | { kind: 'finished' }
  | { kind: 'failed'; message: string };

/**
 * Many SSE subscribers of one task's events, in a worker thread. `delivered(seq)` resolves once
 * every subscriber has received that event; `finished()` once every stream has completed.
 */
export class SubscriberPool {
  readonly #worker: Worker;
  readonly #deliveries: Delivery[] = [];
  readonly #waiters = new Set<() => void>();
  #finished = false;
  #failure: Error | null = null;

  constructor(setup: SubscribersSetup) {
    this.#worker = new Worker(new URL('./subscribers.worker.ts', import.meta.url), { workerData: setup });
    this.#worker.on('message', (report: SubscribersReport) => {
      if (report.kind === 'delivered') this.#deliveries.push(report.delivery);
      else if (report.kind === 'finished') this.#finished = true;
      else this.#failure = new Error(`SSE subscribers failed: ${report.message}`);
      this.#notify();
    });
    this.#worker.on('error', (error) => {
      this.#failure = error;
      this.#notify();
    });
  }

  delivered(seq: number): Promise<void> {
    return this.#until(() => this.#deliveries.some((delivery) => delivery.seq >= seq));
  }

  async finished(): Promise<Delivery[]> {
    await this.#until(() => this.#finished);
    return [...this.#deliveries];
  }

  /** How busy the subscribers' thread has been since `since`: near 1, the clients, not the server, set the pace. */
  eventLoopUtilization(since?: EventLoopUtilization): EventLoopUtilization {
    return this.#worker.performance.eventLoopUtilization(since);
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  #notify() {
    for (const waiter of this.#waiters) waiter();
  }

  async #until(condition: () => boolean): Promise<void> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      if (condition()) return;
      await new Promise<void>((resolve) => {
        const waiter = () => {
          this.#waiters.delete(waiter);
          resolve();
        };
        this.#waiters.add(waiter);
      });
    }
  }
}
