import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One row: which worker reconciles right now, so several workers never reconcile at once. */
export const ReconcileLeaseEntity = defineEntity({
  name: 'InventoryReconcileLease',
  tableName: 'inventory_reconcile_lease',
  properties: {
    id: p.string().length(32).primary(),
    owner: p.string().length(255).nullable(),
    until: p.datetime().nullable(),
  },
});
export type ReconcileLease = InferEntity<typeof ReconcileLeaseEntity>;

export const RECONCILE_LEASE_ID = 'reconciler';
