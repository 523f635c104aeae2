import type { EntityManager } from '@mikro-orm/core';
import { VhostEntity, VhostNameEntity } from '../vhosts/vhost-entity.js';
import { SiteConfigurationEntity, SitePackageEntity } from './site-configuration-entity.js';

/** A site that is gone (or whose creation was undone) keeps no vhost, name, package or run mark. */
export async function forgetSiteConfiguration(em: EntityManager, siteId: string): Promise<void> {
  const vhosts = await em.find(VhostEntity, { siteId }, { fields: ['id'] });
  if (vhosts.length) await em.nativeDelete(VhostNameEntity, { vhostId: { $in: vhosts.map((vhost) => vhost.id) } });
  await em.nativeDelete(VhostEntity, { siteId });
  await em.nativeDelete(SitePackageEntity, { siteId });
  await em.nativeDelete(SiteConfigurationEntity, { siteId });
}
