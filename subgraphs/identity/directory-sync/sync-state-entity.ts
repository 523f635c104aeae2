import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One row: how the last directory syncs went, and which scheduler holds the sync right now. */
export const SyncStateEntity = defineEntity({
  name: 'IdentitySyncState',
  tableName: 'identity_sync_state',
  properties: {
    id: p.string().length(32).primary(),
    directoryKind: p.string().length(32).nullable(),
    lastSuccessAt: p.datetime().nullable(),
    lastAttemptAt: p.datetime().nullable(),
    /** Why the last attempt failed; null when it succeeded. */
    lastError: p.text().nullable(),
    users: p.integer().default(0),
    groups: p.integer().default(0),
    /** A scheduler replica takes the lease before syncing, so two never sync at once. */
    leaseOwner: p.string().length(255).nullable(),
    leaseUntil: p.datetime().nullable(),
  },
});
export type SyncState = InferEntity<typeof SyncStateEntity>;

export const SYNC_STATE_ID = 'directory';
