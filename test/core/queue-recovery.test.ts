import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBus } from '../../core/bus/redis-bus.js';
import { BullmqQueue } from '../../core/queue/bullmq-queue.js';
import type { Job } from '../../core/queue/queue.js';
import { eventually } from '../support/eventually.js';
import { startPrivateRedis } from '../support/servers.js';
import { obliterate } from '../support/bullmq.js';

const FAST_STALL_CHECK = { maxAttempts: 3, backoffMs: 50, lockDurationMs: 1000, stalledIntervalMs: 500 };

describe('BullMQ queue: a worker process that dies holding a job', () => {
  const name = `queue-recovery-${randomUUID()}`;
  afterAll(() => obliterate(inject('redisUrl'), name));

  it('hands the job to another worker once the dead one stops renewing its lock', async () => {
    const doomed = spawn('node_modules/.bin/tsx', ['test/core/fixtures/job-holding-worker.ts', inject('redisUrl'), name], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const producer = new BullmqQueue(inject('redisUrl'), name, FAST_STALL_CHECK);
    const survivor = new BullmqQueue(inject('redisUrl'), name, FAST_STALL_CHECK);
    try {
      await producer.enqueue('orphan');
      const [took] = (await once(doomed.stdout!, 'data')) as [Buffer];
      expect(took.toString()).toBe('took orphan\n');
      // tsx runs the script in a child of its own: kill the whole group, as the OOM killer would.
      const exited = once(doomed, 'exit');
      process.kill(-doomed.pid!, 'SIGKILL');
      await exited;

      const seen: Job[] = [];
      await survivor.process(async (job) => void seen.push(job));
      await eventually(() => expect(seen.map((job) => job.taskId)).toEqual(['orphan']));
    } finally {
      if (doomed.exitCode === null && doomed.signalCode === null) process.kill(-doomed.pid!, 'SIGKILL');
      await Promise.all([producer.close(), survivor.close()]);
    }
  });
});

describe('Redis restarts under a running queue and bus', () => {
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(() => redis?.stop());

  it('takes new jobs and delivers new messages once Redis is back, without reconnecting by hand', async () => {
    const queue = new BullmqQueue(redis.url, 'restart', { maxAttempts: 3, backoffMs: 50 });
    const publisher = new RedisBus(redis.url);
    const subscriber = new RedisBus(redis.url);
    try {
      const jobs: string[] = [];
      const messages: unknown[] = [];
      await queue.process(async (job) => void jobs.push(job.taskId));
      await subscriber.subscribe('task:1', (message) => messages.push(message));
      await queue.enqueue('before');
      await publisher.publish('task:1', { seq: 1 });
      await eventually(() => expect([jobs, messages]).toEqual([['before'], [{ seq: 1 }]]));

      await redis.restart();

      // The clients reconnect (and the subscriber resubscribes) on their own; until then calls wait.
      await eventually(async () => {
        await queue.enqueue('after');
        await publisher.publish('task:1', { seq: 2 });
        expect(jobs).toContain('after');
        expect(messages).toContainEqual({ seq: 2 });
      });
    } finally {
      await Promise.all([queue.close(), publisher.close(), subscriber.close()]);
    }
  });
});
