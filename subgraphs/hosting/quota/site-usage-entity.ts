import { defineEntity, p } from '@mikro-orm/core';

/**
 * What each person's sites use, counted against their quota. Changed only by conditional updates
 * inside the transactions that create and remove sites, which is what makes the limit hold under
 * concurrent requests.
 */
export const SiteUsageEntity = defineEntity({
  name: 'SiteUsage',
  tableName: 'site_usage',
  properties: {
    owner: p.string().length(255).primary(),
    sites: p.integer().default(0),
    vcpus: p.integer().default(0),
    memoryMiB: p.integer().default(0).fieldName('memory_mib'),
    snapshots: p.integer().default(0),
  },
});
