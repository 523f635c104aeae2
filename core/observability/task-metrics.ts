import { Counter, Gauge, Histogram } from 'prom-client';
import type { JobQueue } from '../queue/queue.js';

/** Task attempts as workers ran them. `outcome` is SUCCEEDED, FAILED, CANCELLED or RETRYING. */
export const taskMetrics = {
  attempts: new Histogram({
    name: 'hostgraph_task_attempt_seconds',
    help: 'Task attempts by kind and outcome, with their duration',
    labelNames: ['kind', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  }),
  tasks: new Counter({ name: 'hostgraph_tasks_total', help: 'Task attempts by kind and outcome', labelNames: ['kind', 'outcome'] as const }),
};

const queues = new Map<string, JobQueue>();

new Gauge({
  name: 'hostgraph_queue_depth',
  help: 'Jobs waiting or delayed in the task queue',
  labelNames: ['queue'] as const,
  async collect() {
    this.reset();
    for (const [name, queue] of queues) {
      const depth = await queue.depth().catch(() => null);
      if (depth !== null) this.set({ queue: name }, depth);
    }
  },
});

/** Shows this queue's depth on /metrics until the returned function is called. */
export function trackQueueDepth(name: string, queue: JobQueue): () => void {
  queues.set(name, queue);
  return () => void (queues.get(name) === queue && queues.delete(name));
}

export function recordTaskAttempt(kind: string, outcome: string, seconds: number) {
  taskMetrics.attempts.observe({ kind, outcome }, seconds);
  taskMetrics.tasks.inc({ kind, outcome });
}
