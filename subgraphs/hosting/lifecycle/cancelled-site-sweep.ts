import type { MikroORM } from '@mikro-orm/core';
import type { SiteLifecycleConfig } from '../../../core/config.js';
import type { Logger } from '../../../core/logger.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { Clock } from '../history/site-history.js';
import { SiteEntity } from '../sites/site-entity.js';
import { scheduleSiteJob, submitScheduledTask } from './scheduled-site-tasks.js';

/**
 * Destroys cancelled sites whose retention period is over, with deleteSite: their VMs, placements,
 * grants (and, through deleteSite's steps, addresses and records) go, and the site with them.
 */
export function scheduleCancelledSiteSweep(orm: MikroORM, tasks: TaskService, config: SiteLifecycleConfig, clock: Clock, logger: Logger) {
  return scheduleSiteJob(
    'cancelled-site-sweep',
    config.cancelledSweepSchedule,
    async () => {
      const cutoff = new Date(clock().getTime() - config.cancelledRetentionHours * 3_600_000);
      const due = await orm.em.fork().find(SiteEntity, { state: 'CANCELLED', cancelledAt: { $lte: cutoff } }, { fields: ['id', 'name'] });
      for (const site of due) {
        if (await submitScheduledTask(orm, tasks, site.id, 'deleteSite', {})) logger.info({ siteId: site.id, site: site.name }, 'retention over: cancelled site queued for deletion');
      }
    },
    logger,
  );
}
