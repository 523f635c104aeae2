import type { MikroORM } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { sqlEntityManager } from '../../../core/database/open-database.js';
import { VmEntity, type Vm } from './vm-entity.js';

/**
 * The VMs of the sites one request touches, fetched in one query however many sites a page holds.
 * Per request, so nothing is cached across callers; access to the sites was checked before.
 */
export function vmsOfSiteLoader(orm: MikroORM) {
  return new DataLoader<string, Vm[]>(async (siteIds) => {
    // Read-only rows: mapped, not managed (a query builder costs half of find here).
    const rows = (await sqlEntityManager(orm)
      .createQueryBuilder(VmEntity)
      .select('*')
      .where({ siteId: { $in: [...siteIds] } })
      .orderBy({ role: 'asc' })
      .execute('all', true)) as Vm[];
    return siteIds.map((siteId) => rows.filter((vm) => vm.siteId === siteId));
  });
}
