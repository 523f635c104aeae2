import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Principal } from '../../../core/principal.js';
import { TaskEntity } from '../../../core/tasks/task-entities.js';
import type { Published } from '../../../core/tasks/task-store.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import { toTaskView } from '../../../core/tasks/task-view.js';
import { stepNamesOf } from '../workflows/site-workflows.js';
import { SiteConfigurationEntity } from './site-configuration-entity.js';

/** Every site has its row from its first configuration on; made on demand for sites older than that. */
export async function ensureSiteConfiguration(em: EntityManager, siteId: string): Promise<void> {
  await (em as SqlEntityManager).createQueryBuilder(SiteConfigurationEntity).insert({ siteId, pendingTaskId: null, accountsDigest: null }).onConflict('siteId').ignore().execute();
}

/** A configureSite task the change joins (already queued) or starts (to dispatch once committed). */
export type ConfigurationRequest = { queued: TaskView; published?: undefined } | { published: Published; queued?: undefined };

/**
 * Asks for a run of configureSite in the caller's transaction. While one waits to start, every
 * change joins it: the run reads the site's configuration when it starts, so it applies them all.
 * Once it has started (configure-site.ts clears the mark), the next change queues exactly one more.
 * The mark is set and held by compare-and-set, so two requests at once cannot both queue a run.
 */
export async function requestConfiguration(em: EntityManager, tasks: TaskService, siteId: string, principal: Principal, reason: string): Promise<ConfigurationRequest> {
  await ensureSiteConfiguration(em, siteId);
  for (;;) {
    const row = await em.findOneOrFail(SiteConfigurationEntity, { siteId }, { refresh: true });
    if (row.pendingTaskId) {
      const pending = await em.findOne(TaskEntity, { id: row.pendingTaskId }, { refresh: true });
      // Joining holds the mark's row until the caller commits: the run cannot take the mark up
      // (and then read the configuration) before this change is visible to it.
      if (pending?.state === 'QUEUED' && (await em.nativeUpdate(SiteConfigurationEntity, { siteId, pendingTaskId: pending.id }, { pendingTaskId: pending.id })) === 1) {
        return { queued: toTaskView(pending) };
      }
    }
    const id = randomUUID();
    const marked = await em.nativeUpdate(SiteConfigurationEntity, { siteId, pendingTaskId: row.pendingTaskId ?? null }, { pendingTaskId: id });
    if (marked === 1) return { published: tasks.submit(em, { id, kind: 'configureSite', subjectId: siteId, input: { reason }, principal, stepNames: stepNamesOf('configureSite') }) };
  }
}

/** The task to show for a request: the one it started (announced now) or the one it joined. */
export const dispatchConfiguration = async (tasks: TaskService, request: ConfigurationRequest): Promise<TaskView> =>
  request.published ? tasks.dispatch(request.published) : request.queued;

/** A configureSite run that starts lets the next change queue another. */
export async function takeUpConfigurationRequest(em: EntityManager, siteId: string, taskId: string): Promise<void> {
  await em.nativeUpdate(SiteConfigurationEntity, { siteId, pendingTaskId: taskId }, { pendingTaskId: null });
}

/** Whether a configuration run waits for its turn: the "configuration queued" users see. */
export async function configurationQueued(em: EntityManager, siteIds: readonly string[]): Promise<Set<string>> {
  const rows = await em.find(SiteConfigurationEntity, { siteId: { $in: [...siteIds] }, pendingTaskId: { $ne: null } });
  const pending = rows.length ? await em.find(TaskEntity, { id: { $in: rows.map((row) => row.pendingTaskId!) }, state: 'QUEUED' }, { fields: ['id', 'subjectId'] }) : [];
  return new Set(pending.map((task) => task.subjectId));
}
