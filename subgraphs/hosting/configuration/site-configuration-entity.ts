import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * What hosting keeps about applying a site's configuration: the configureSite task that waits to
 * run (so further changes join it instead of queueing another), and a digest of the accounts the
 * last successful run installed (so a refresh can tell whether identity changed anything).
 */
export const SiteConfigurationEntity = defineEntity({
  name: 'SiteConfiguration',
  tableName: 'site_configuration',
  properties: {
    siteId: p.uuid().primary(),
    pendingTaskId: p.uuid().nullable(),
    accountsDigest: p.string().length(64).nullable(),
  },
});
export type SiteConfiguration = InferEntity<typeof SiteConfigurationEntity>;

/** Approved packages a site asked for (wanted) or asked to be rid of (until a run has removed them). */
export const SitePackageEntity = defineEntity({
  name: 'SitePackage',
  tableName: 'site_packages',
  properties: {
    siteId: p.uuid().primary(),
    name: p.string().length(128).primary(),
    wanted: p.boolean(),
  },
  primaryKeys: ['siteId', 'name'],
});
