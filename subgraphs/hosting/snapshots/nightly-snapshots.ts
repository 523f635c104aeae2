import type { MikroORM } from '@mikro-orm/core';
import type { SiteLifecycleConfig } from '../../../core/config.js';
import type { Logger } from '../../../core/logger.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { Clock } from '../history/site-history.js';
import { WITH_VM } from '../lifecycle/operation-rules.js';
import { SCHEDULER, scheduleSiteJob, submitScheduledTask } from '../lifecycle/scheduled-site-tasks.js';
import { SiteEntity } from '../sites/site-entity.js';
import { addSnapshot } from './snapshot-service.js';
import { nightlySnapshotName } from './snapshot-name.js';

/**
 * Each night, a snapshot of every site that has a VM, named for the date, so a second run (or a
 * second scheduler replica) that night finds the name taken and queues nothing. Its task then
 * deletes the nightly snapshots beyond the retention.
 */
export function scheduleNightlySnapshots(orm: MikroORM, tasks: TaskService, config: SiteLifecycleConfig, clock: Clock, logger: Logger) {
  const { schedule, keep, maxAgeDays } = config.nightlySnapshots;
  return scheduleSiteJob(
    'nightly-snapshots',
    schedule,
    async () => {
      const now = clock();
      const name = nightlySnapshotName(now);
      const sites = await orm.em.fork().find(SiteEntity, { state: { $in: [...WITH_VM] } }, { fields: ['id'] });
      let queued = 0;
      for (const site of sites) {
        const submitted = await submitScheduledTask(orm, tasks, site.id, 'nightlySnapshot', { keep, maxAgeDays }, (em, current) => addSnapshot(em, current, name, 'NIGHTLY', SCHEDULER.username, now));
        if (submitted) queued++;
      }
      if (queued) logger.info({ queued, name }, 'nightly snapshots queued');
    },
    logger,
  );
}
