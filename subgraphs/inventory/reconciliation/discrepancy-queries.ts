import type { MikroORM } from '@mikro-orm/core';
import { HypervisorHostEntity } from '../hosts/host-entity.js';
import { DiscrepancyEntity, type DiscrepancyKind } from './discrepancy-entity.js';
import type { DiscrepancyReport } from './reconciliation-channels.js';
import { toReport } from './reconciler.js';

/** What the last reconciliations found, as the API shows it. */
export class DiscrepancyQueries {
  constructor(private readonly orm: MikroORM) {}

  async list(filter: { hostId?: string; kind?: DiscrepancyKind } = {}): Promise<DiscrepancyReport[]> {
    const em = this.orm.em.fork();
    const rows = await em.find(
      DiscrepancyEntity,
      { ...(filter.hostId ? { hostId: filter.hostId } : {}), ...(filter.kind ? { kind: filter.kind } : {}) },
      { orderBy: { vmName: 'asc' } },
    );
    const names = new Map((await em.find(HypervisorHostEntity, { id: { $in: [...new Set(rows.map((row) => row.hostId))] } })).map((host) => [host.id, host.name]));
    return rows.map((row) => toReport(row, names.get(row.hostId) ?? 'removed host'));
  }
}
