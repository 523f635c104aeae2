import type { EntityManager } from '@mikro-orm/core';
import { HostgraphError } from '../../../core/errors.js';
import type { EffectiveQuotaView, QuotaResource } from '../../identity/quotas/quota-service.js';
import { SiteUsageEntity } from './site-usage-entity.js';

/** What a person's sites use, per resource a quota limits. */
export type Usage = Record<QuotaResource, number>;

/** What one site of a flavor takes from its owner's quota; snapshots are counted when they are taken. */
export const siteResources = (flavor: { vcpus: number; memoryMiB: number }): Partial<Usage> => ({ sites: 1, vcpus: flavor.vcpus, memoryMiB: flavor.memoryMiB });

const COLUMNS: Record<QuotaResource, string> = { sites: 'sites', vcpus: 'vcpus', memoryMiB: 'memory_mib', snapshots: 'snapshots' };
const WORDS: Record<QuotaResource, { unit: string; remedy: string }> = {
  sites: { unit: 'sites', remedy: 'Delete a site you no longer need' },
  vcpus: { unit: 'vCPUs', remedy: 'Delete a site you no longer need, or choose a smaller flavor' },
  memoryMiB: { unit: 'MiB of memory', remedy: 'Delete a site you no longer need, or choose a smaller flavor' },
  snapshots: { unit: 'snapshots', remedy: 'Delete a snapshot you no longer need' },
};

/**
 * Adds `need` to its owner's usage, in the caller's transaction, or refuses with QUOTA_EXCEEDED
 * naming the limit, where it was set, and what is used. The check and the addition are one
 * conditional UPDATE: the row lock (PostgreSQL) or the write lock (SQLite) makes a second request
 * wait and then see the first one's count, so two concurrent requests cannot both slip under a
 * limit. Creating a site reserves its resources here; taking a snapshot is to reserve
 * `{ snapshots: 1 }` the same way, in the transaction that records it, and deleting one to
 * release it.
 */
export async function reserveUsage(em: EntityManager, owner: string, need: Partial<Usage>, quota: EffectiveQuotaView): Promise<void> {
  const connection = em.getConnection();
  const context = em.getTransactionContext();
  const resources = (Object.keys(need) as QuotaResource[]).filter((resource) => (need[resource] ?? 0) > 0);
  if (resources.length === 0) return;
  await connection.execute('insert into site_usage (owner, sites, vcpus, memory_mib, snapshots) values (?, 0, 0, 0, 0) on conflict (owner) do nothing', [owner], 'run', context);
  const limited = resources.filter((resource) => quota[resource].limit !== null);
  const sets = resources.map((resource) => `${COLUMNS[resource]} = ${COLUMNS[resource]} + ?`).join(', ');
  const checks = limited.map((resource) => ` and ${COLUMNS[resource]} + ? <= ?`).join('');
  const params = [...resources.map((resource) => need[resource]), owner, ...limited.flatMap((resource) => [need[resource], quota[resource].limit])];
  const result = (await connection.execute(`update site_usage set ${sets} where owner = ?${checks}`, params, 'run', context)) as { affectedRows?: number; rowCount?: number };
  if ((result.affectedRows ?? result.rowCount ?? 0) === 1) return;

  const usage = await em.findOneOrFail(SiteUsageEntity, { owner }, { refresh: true });
  const exceeded = limited.find((resource) => usage[resource] + need[resource]! > quota[resource].limit!)!;
  const { limit, source } = quota[exceeded];
  const { unit, remedy } = WORDS[exceeded];
  throw new HostgraphError(
    'QUOTA_EXCEEDED',
    `This would exceed your quota of ${limit} ${unit} (set on ${source}): you use ${usage[exceeded]} and this needs ${need[exceeded]} more. ${remedy}, or ask a platform admin for a larger quota`,
    { limit: exceeded, max: limit, used: usage[exceeded], requested: need[exceeded], source },
  );
}

/** Gives resources back; never below zero, should configuration have changed meanwhile. */
export async function releaseUsage(em: EntityManager, owner: string, freed: Partial<Usage>): Promise<void> {
  const resources = (Object.keys(freed) as QuotaResource[]).filter((resource) => (freed[resource] ?? 0) > 0);
  if (resources.length === 0) return;
  const sets = resources.map((resource) => `${COLUMNS[resource]} = case when ${COLUMNS[resource]} > ? then ${COLUMNS[resource]} - ? else 0 end`).join(', ');
  await em.getConnection().execute(
    `update site_usage set ${sets} where owner = ?`,
    [...resources.flatMap((resource) => [freed[resource], freed[resource]]), owner],
    'run',
    em.getTransactionContext(),
  );
}
