import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { BullmqQueue } from '../../core/queue/bullmq-queue.js';
import { InProcessQueue } from '../../core/queue/in-process-queue.js';
import type { Job, JobQueue, QueueOptions } from '../../core/queue/queue.js';
import { obliterate } from '../support/bullmq.js';
import { eventually } from '../support/eventually.js';

interface Opened {
  queue: JobQueue;
  /** Closes the queue and removes what it left in its backend. */
  dispose(): Promise<void>;
}

const backends: [string, (options: QueueOptions) => Opened][] = [
  [
    'in-process',
    (options) => {
      const queue = new InProcessQueue(options);
      return { queue, dispose: () => queue.close() };
    },
  ],
  [
    'BullMQ on a real Redis',
    (options) => {
      const name = `queue-test-${randomUUID()}`;
      const queue = new BullmqQueue(inject('redisUrl'), name, options);
      return { queue, dispose: async () => (await queue.close(), await obliterate(inject('redisUrl'), name)) };
    },
  ],
];

describe.each(backends)('JobQueue: %s', (_name, backend) => {
  const opened: Opened[] = [];
  const open = (options: QueueOptions = { maxAttempts: 3, backoffMs: 20 }) => {
    const queue = backend(options);
    opened.push(queue);
    return queue.queue;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((queue) => queue.dispose()));
  });

  it('hands every job to the handler once, in order of arrival with concurrency 1', async () => {
    const queue = open();
    const seen: Job[] = [];
    await queue.process(async (job) => void seen.push(job));
    for (const taskId of ['a', 'b', 'c']) await queue.enqueue(taskId);
    await eventually(() => expect(seen.map((job) => job.taskId)).toEqual(['a', 'b', 'c']));
    expect(seen.every((job) => job.attempt === 1 && !job.finalAttempt)).toBe(true);
  });

  it('keeps at most `concurrency` jobs running at once', async () => {
    const queue = open();
    let running = 0;
    let most = 0;
    let done = 0;
    await queue.process(
      async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
        done++;
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 6; i++) await queue.enqueue(`t${i}`);
    await eventually(() => expect(done).toBe(6));
    expect(most).toBe(2);
  });

  it('retries a failing job with growing attempts until the last, which says it is final', async () => {
    const queue = open({ maxAttempts: 3, backoffMs: 20 });
    const attempts: Job[] = [];
    await queue.process(async (job) => {
      attempts.push(job);
      throw new Error('transient');
    });
    await queue.enqueue('flaky');
    await eventually(() => expect(attempts).toHaveLength(3));
    expect(attempts.map((job) => [job.attempt, job.finalAttempt])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    // No fourth try.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(attempts).toHaveLength(3);
  });

  it('holds a delayed job back and counts it in the depth meanwhile', async () => {
    const queue = open();
    await queue.enqueue('later', { delayMs: 400 });
    await queue.enqueue('waiting');
    expect(await queue.depth()).toBe(2);
    const seen: string[] = [];
    await queue.process(async (job) => void seen.push(job.taskId));
    await eventually(() => expect(seen).toEqual(['waiting']));
    await eventually(() => expect(seen).toEqual(['waiting', 'later']));
    expect(await queue.depth()).toBe(0);
  });
});
