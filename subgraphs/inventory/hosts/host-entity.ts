import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** ENABLED takes new VMs; DRAINING takes none while its VMs move away; DISABLED is out of service. */
export const HOST_STATES = ['ENABLED', 'DRAINING', 'DISABLED'] as const;
export type HostState = (typeof HOST_STATES)[number];

/**
 * A hypervisor host: how the worker reaches it (driver, URI, a reference to its credential — never
 * the secret), how big it is, and how much of that placement has handed out. The allocation is
 * only changed by conditional updates (see placement-service.ts), never read-modify-write.
 */
export const HypervisorHostEntity = defineEntity({
  name: 'HypervisorHost',
  tableName: 'inventory_hosts',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(63).unique(),
    driver: p.string().length(16),
    uri: p.text(),
    credentialRef: p.string().length(255).nullable(),
    location: p.string().length(255).nullable(),
    capacityVcpus: p.integer(),
    capacityMemoryMiB: p.integer().fieldName('capacity_memory_mib'),
    capacityDiskGiB: p.integer().fieldName('capacity_disk_gib'),
    allocatedVcpus: p.integer().default(0),
    allocatedMemoryMiB: p.integer().default(0).fieldName('allocated_memory_mib'),
    allocatedDiskGiB: p.integer().default(0).fieldName('allocated_disk_gib'),
    state: p.enum(HOST_STATES).index(),
    /** What the last reconciliation found: null before the first one. */
    reachable: p.boolean().nullable(),
    lastReconciledAt: p.datetime().nullable(),
    lastReconcileError: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type HypervisorHost = InferEntity<typeof HypervisorHostEntity>;
