import cron from 'node-cron';
import type { Logger } from '../../../core/logger.js';
import type { DirectorySync } from './directory-sync.js';

/**
 * Runs the directory sync on the scheduler role's clock. Several scheduler replicas may run this;
 * the sync's lease lets one of them work at a time.
 */
export function scheduleDirectorySync(sync: DirectorySync, expression: string, logger: Logger) {
  if (!cron.validate(expression)) throw new Error(`identity.syncSchedule "${expression}" is not a cron expression (seconds minutes hours days months weekdays)`);
  let running: Promise<unknown> | null = null;
  const job = cron.schedule(
    expression,
    () => {
      running = sync
        .run()
        .catch((error) => logger.error({ err: error }, 'directory sync failed'))
        .finally(() => (running = null));
      return running;
    },
    { noOverlap: true, name: 'directory-sync' },
  );
  // A sync under way finishes before its database is closed.
  return {
    stop: async () => {
      job.destroy();
      await running;
    },
  };
}
