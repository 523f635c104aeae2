import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Which host a VM runs on and what it holds there. Made by placement before the VM exists, gone
 * when the VM is released. `ref` and `powerState` are what the last reconciliation saw.
 */
export const VmPlacementEntity = defineEntity({
  name: 'VmPlacement',
  tableName: 'inventory_vm_placements',
  properties: {
    /** Hosting's VM id. */
    vmId: p.uuid().primary(),
    siteId: p.uuid().index(),
    hostId: p.uuid().index(),
    /** The VM's name on the hypervisor, for matching what the host lists. */
    vmName: p.string().length(255),
    vcpus: p.integer(),
    memoryMiB: p.integer().fieldName('memory_mib'),
    diskGiB: p.integer().fieldName('disk_gib'),
    ref: p.string().length(255).nullable(),
    powerState: p.string().length(16).nullable(),
    observedAt: p.datetime().nullable(),
    placedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type VmPlacement = InferEntity<typeof VmPlacementEntity>;
