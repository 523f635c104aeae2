import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Flavor } from '../../../core/config.js';
import type { Site } from '../sites/site-entity.js';
import { SiteHistoryEntity, type SiteHistoryEntry } from './site-history-entity.js';

/** What the history tells about a site besides its SiteState: it is gone. */
export type HistoryState = Site['state'] | 'DELETED';

/** Where history timestamps come from; tests set it to write a month in seconds. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/**
 * Adds the site as it is now (or `state`) to its history, in the caller's entity manager: the
 * caller's flush or transaction writes it together with the change. The flavor's resources are
 * copied, so a later change of configuration does not rewrite the past.
 */
export function recordSiteHistory(em: EntityManager, site: Pick<Site, 'id' | 'name' | 'state' | 'flavor'>, flavors: Record<string, Flavor>, clock: Clock, state: HistoryState = site.state) {
  const flavor = flavors[site.flavor] ?? { vcpus: 0, memoryMiB: 0, diskGiB: 0 };
  em.create(SiteHistoryEntity, {
    siteId: site.id,
    siteName: site.name,
    at: clock().getTime(),
    state,
    flavor: site.flavor,
    vcpus: flavor.vcpus,
    memoryMiB: flavor.memoryMiB,
    diskGiB: flavor.diskGiB,
  });
}

/**
 * The history billing needs for [from, to): every entry in it, and each site's last entry before
 * `from` (where that site stood when the period began), unless the site was gone by then.
 */
export class SiteHistoryLog {
  constructor(private readonly orm: MikroORM) {}

  async between(from: number, to: number): Promise<SiteHistoryEntry[]> {
    const em = this.orm.em.fork();
    const before = (await em.getConnection().execute('select max(id) as id from site_history where at < ? group by site_id', [from])) as { id: number }[];
    const starts = before.length ? await em.find(SiteHistoryEntity, { id: { $in: before.map((row) => Number(row.id)) }, state: { $ne: 'DELETED' } }) : [];
    const during = await em.find(SiteHistoryEntity, { at: { $gte: from, $lt: to } }, { orderBy: { id: 'asc' } });
    return [...starts, ...during];
  }
}
