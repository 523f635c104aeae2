import type { EntityManager } from '@mikro-orm/core';
import { HostgraphError } from '../../../core/errors.js';
import type { EffectiveQuotaView } from '../../identity/quotas/quota-service.js';
import { SiteUsageEntity } from './site-usage-entity.js';

export interface SiteResources {
  sites: number;
  vcpus: number;
  memoryMiB: number;
}

const COLUMNS: Record<keyof SiteResources, string> = { sites: 'sites', vcpus: 'vcpus', memoryMiB: 'memory_mib' };
const WORDS: Record<keyof SiteResources, string> = { sites: 'sites', vcpus: 'vCPUs', memoryMiB: 'MiB of memory' };

/**
 * Adds a new site's resources to its owner's usage, in the caller's transaction, or refuses with
 * QUOTA_EXCEEDED. The check and the addition are one conditional UPDATE: the row lock (PostgreSQL)
 * or the write lock (SQLite) makes a second request wait and then see the first one's count, so
 * two concurrent creations cannot both slip under a limit.
 */
export async function reserveSiteResources(em: EntityManager, owner: string, need: SiteResources, quota: EffectiveQuotaView): Promise<void> {
  const connection = em.getConnection();
  const context = em.getTransactionContext();
  await connection.execute('insert into site_usage (owner, sites, vcpus, memory_mib, snapshots) values (?, 0, 0, 0, 0) on conflict (owner) do nothing', [owner], 'run', context);
  const resources = Object.keys(COLUMNS) as (keyof SiteResources)[];
  const limited = resources.filter((resource) => quota[resource].limit !== null);
  const sets = resources.map((resource) => `${COLUMNS[resource]} = ${COLUMNS[resource]} + ?`).join(', ');
  const checks = limited.map((resource) => ` and ${COLUMNS[resource]} + ? <= ?`).join('');
  const params = [...resources.map((resource) => need[resource]), owner, ...limited.flatMap((resource) => [need[resource], quota[resource].limit])];
  const result = (await connection.execute(`update site_usage set ${sets} where owner = ?${checks}`, params, 'run', context)) as { affectedRows?: number; rowCount?: number };
  if ((result.affectedRows ?? result.rowCount ?? 0) === 1) return;

  const usage = await em.findOneOrFail(SiteUsageEntity, { owner }, { refresh: true });
  const exceeded = limited.find((resource) => usage[resource] + need[resource] > quota[resource].limit!)!;
  const { limit, source } = quota[exceeded];
  throw new HostgraphError(
    'QUOTA_EXCEEDED',
    `This would exceed your quota of ${limit} ${WORDS[exceeded]} (set on ${source}): you use ${usage[exceeded]} and this site needs ${need[exceeded]}. Delete a site you no longer need, or ask a platform admin for a larger quota`,
    { limit: exceeded, max: limit, used: usage[exceeded], requested: need[exceeded], source },
  );
}

/** Gives a removed site's resources back; never below zero, should configuration have changed meanwhile. */
export async function releaseSiteResources(em: EntityManager, owner: string, freed: SiteResources): Promise<void> {
  const resources = Object.keys(COLUMNS) as (keyof SiteResources)[];
  const sets = resources.map((resource) => `${COLUMNS[resource]} = case when ${COLUMNS[resource]} > ? then ${COLUMNS[resource]} - ? else 0 end`).join(', ');
  await em.getConnection().execute(
    `update site_usage set ${sets} where owner = ?`,
    [...resources.flatMap((resource) => [freed[resource], freed[resource]]), owner],
    'run',
    em.getTransactionContext(),
  );
}
