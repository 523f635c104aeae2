import { freeOf, type Overcommit } from '../placement/choose-host.js';
import type { HypervisorHost as HostRow } from './host-entity.js';
import type { HypervisorHost } from './host-types.js';

export const toHost = (row: HostRow, overcommit: Overcommit): HypervisorHost => {
  const free = freeOf(row, overcommit);
  return {
    id: row.id,
    name: row.name,
    driver: row.driver,
    uri: row.uri,
    credentialRef: row.credentialRef ?? null,
    location: row.location ?? null,
    state: row.state,
    capacity: { vcpus: row.capacityVcpus, memoryMiB: row.capacityMemoryMiB, diskGiB: row.capacityDiskGiB },
    allocated: { vcpus: row.allocatedVcpus, memoryMiB: row.allocatedMemoryMiB, diskGiB: row.allocatedDiskGiB },
    available: { vcpus: Math.max(0, free.vcpus), memoryMiB: Math.max(0, free.memoryMiB), diskGiB: Math.max(0, free.diskGiB) },
    reachable: row.reachable ?? null,
    lastReconciledAt: row.lastReconciledAt ?? null,
    lastReconcileError: row.lastReconcileError ?? null,
    createdAt: row.createdAt,
  };
};
