import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const DISCREPANCY_KINDS = ['UNKNOWN_VM', 'MISSING_VM', 'POWER_STATE_DRIFT'] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** A difference the last reconciliation of a host found between its hypervisor and Hostgraph. */
export const DiscrepancyEntity = defineEntity({
  name: 'InventoryDiscrepancy',
  tableName: 'inventory_discrepancies',
  properties: {
    id: p.uuid().primary(),
    hostId: p.uuid().index(),
    kind: p.enum(DISCREPANCY_KINDS),
    vmName: p.string().length(255),
    vmRef: p.string().length(255).nullable(),
    /** Hosting's VM and site, when Hostgraph knows the VM. */
    vmId: p.uuid().nullable(),
    siteId: p.uuid().nullable(),
    expected: p.string().length(16).nullable(),
    observed: p.string().length(16).nullable(),
    /** Power-state drift only: whether the site's state now follows the hypervisor. */
    corrected: p.boolean().default(false),
    message: p.text(),
    /** Kept across reconciliations while the same difference stays. */
    firstSeenAt: p.datetime(),
    lastSeenAt: p.datetime(),
  },
});
export type Discrepancy = InferEntity<typeof DiscrepancyEntity>;
