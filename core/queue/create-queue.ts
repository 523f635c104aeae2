import { BullmqQueue } from './bullmq-queue.js';
import { InProcessQueue } from './in-process-queue.js';
import { defaultQueueOptions, type JobQueue, type QueueOptions } from './queue.js';

export function createQueue({ redisUrl, name = 'hostgraph-tasks', options }: { redisUrl: string | null; name?: string; options?: Partial<QueueOptions> }): JobQueue {
  const merged = { ...defaultQueueOptions, ...options };
  return redisUrl ? new BullmqQueue(redisUrl, name, merged) : new InProcessQueue(merged);
}
