import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Every change of a site's state or flavor, with the resources the flavor had then, written in the
 * transaction of the change itself: billing reads it instead of samples that can be missed. A
 * deleted site's last entry has the state DELETED. `at` is epoch milliseconds.
 */
export const SiteHistoryEntity = defineEntity({
  name: 'SiteHistory',
  tableName: 'site_history',
  properties: {
    id: p.integer().primary().autoincrement(),
    siteId: p.uuid().index(),
    siteName: p.string().length(63),
    at: p.bigint('number').index(),
    state: p.string().length(32),
    flavor: p.string().length(64),
    vcpus: p.integer(),
    memoryMiB: p.integer().fieldName('memory_mib'),
    diskGiB: p.integer().fieldName('disk_gib'),
  },
});

export type SiteHistoryEntry = InferEntity<typeof SiteHistoryEntity>;
