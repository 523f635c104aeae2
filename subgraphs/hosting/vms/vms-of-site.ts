import type { MikroORM } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { VmEntity, type Vm } from './vm-entity.js';

/**
 * The VMs of the sites one request touches, fetched in one query however many sites a page holds.
 * Per request, so nothing is cached across callers; access to the sites was checked before.
 */
export function vmsOfSiteLoader(orm: MikroORM) {
  return new DataLoader<string, Vm[]>(async (siteIds) => {
    const rows = await orm.em.fork().find(VmEntity, { siteId: { $in: [...siteIds] } }, { orderBy: { role: 'asc' } });
    return siteIds.map((siteId) => rows.filter((vm) => vm.siteId === siteId));
  });
}
