import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** MANUAL: asked for by a person (counted against their quota); NIGHTLY: taken and pruned by the scheduler. */
export const SNAPSHOT_KINDS = ['MANUAL', 'NIGHTLY'] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

/** CREATING until its task has taken it on the hypervisor; DELETING once a delete is asked for. */
export const SNAPSHOT_STATES = ['CREATING', 'READY', 'DELETING'] as const;
export type SnapshotState = (typeof SNAPSHOT_STATES)[number];

/**
 * A snapshot of one of a site's VMs. The row is written with the task that takes it, so its name
 * is reserved (unique per site) before any hypervisor is asked; the hypervisor's ref follows.
 */
export const SnapshotEntity = defineEntity({
  name: 'Snapshot',
  tableName: 'snapshots',
  properties: {
    id: p.uuid().primary(),
    siteId: p.uuid(),
    vmId: p.uuid().index(),
    /** Also its name on the hypervisor. */
    name: p.string().length(64),
    kind: p.enum(SNAPSHOT_KINDS),
    state: p.enum(SNAPSHOT_STATES),
    ref: p.string().length(255).nullable(),
    takenBy: p.string().length(255),
    createdAt: p.datetime(),
  },
  uniques: [{ properties: ['siteId', 'name'] }],
});

export type Snapshot = InferEntity<typeof SnapshotEntity>;
