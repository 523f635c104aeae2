import cron from 'node-cron';
import type { Logger } from '../../../core/logger.js';
import type { DirectorySync } from './directory-sync.js';

/**
 * Runs the directory sync on the scheduler role's clock. Several scheduler replicas may run this;
 * the sync's lease lets one of them work at a time.
 */
export function scheduleDirectorySync(sync: DirectorySync, expression: string, logger: Logger) {
  if (!cron.validate(expression)) throw new Error(`identity.syncSchedule "${expression}" is not a cron expression (seconds minutes hours days months weekdays)`);
  const job = cron.schedule(expression, () => sync.run().catch((error) => logger.error({ err: error }, 'directory sync failed')), {
    noOverlap: true,
    name: 'directory-sync',
  });
  return { stop: () => job.destroy() };
}
