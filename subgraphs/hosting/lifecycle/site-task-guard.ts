import { raw, type EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../../core/principal.js';
import { TaskEntity } from '../../../core/tasks/task-entities.js';
import { SiteEntity, type Site } from '../sites/site-entity.js';
import { assertNoConflictingTask, assertNotLocked, assertStartingState, type GuardedKind } from './operation-rules.js';

/**
 * Checks, inside the transaction that will queue it, that `kind` may run on the site now. The
 * site's row is written first, which locks it (PostgreSQL) or the database (SQLite): two requests
 * for one site are checked one after the other, and the second sees the first one's task.
 */
export async function guardSiteTask(em: EntityManager, siteId: string, kind: GuardedKind, principal: Principal): Promise<Site> {
  await em.nativeUpdate(SiteEntity, { id: siteId }, { state: raw('state') });
  const site = await em.findOneOrFail(SiteEntity, { id: siteId }, { refresh: true });
  assertNotLocked(site, kind, principal);
  // A task about to change the site says more than the state it is changing.
  const active = await em.find(TaskEntity, { subjectId: siteId, state: { $in: ['QUEUED', 'RUNNING'] } }, { fields: ['id', 'kind'], orderBy: { createdAt: 'asc' } });
  assertNoConflictingTask(site, kind, active);
  assertStartingState(site, kind);
  return site;
}
