import cron from 'node-cron';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/queue.js';
import type { TaskStore } from './task-store.js';

/**
 * The scheduler's safety net: enqueues tasks no worker will pick up by itself (a dead worker's
 * task, a job lost with an in-process queue). Duplicate jobs are harmless: tasks are claimed.
 */
export function scheduleTaskSweep(store: TaskStore, queue: JobQueue, logger: Logger, expression = '*/10 * * * * *') {
  const sweep = async () => {
    const orphans = await store.orphans();
    for (const taskId of orphans) await queue.enqueue(taskId);
    if (orphans.length > 0) logger.info({ count: orphans.length }, 'enqueued orphaned tasks');
  };
  const job = cron.schedule(expression, () => sweep().catch((error) => logger.error({ err: error }, 'task sweep failed')), {
    noOverlap: true,
    name: 'task-sweep',
  });
  return { sweep, stop: () => job.destroy() };
}
