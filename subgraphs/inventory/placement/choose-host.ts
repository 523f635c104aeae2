import type { InventoryConfig } from '../../../core/config.js';
import type { HypervisorHost } from '../hosts/host-entity.js';

export interface Resources {
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

export interface PlacementNeed extends Resources {
  /** Only hosts with this driver; any when absent. */
  driver?: string | null;
}

export type Overcommit = InventoryConfig['overcommit'];

/** What placement reads of a host: its state, driver, capacity and allocation. */
export type HostLoad = Pick<
  HypervisorHost,
  'id' | 'name' | 'driver' | 'state' | 'capacityVcpus' | 'capacityMemoryMiB' | 'capacityDiskGiB' | 'allocatedVcpus' | 'allocatedMemoryMiB' | 'allocatedDiskGiB'
>;

/** What a host may hand out in all: its capacity times the overcommit ratio, rounded down. */
export const limitsOf = (host: HostLoad, overcommit: Overcommit): Resources => ({
  vcpus: Math.floor(host.capacityVcpus * overcommit.vcpus),
  memoryMiB: Math.floor(host.capacityMemoryMiB * overcommit.memory),
  diskGiB: Math.floor(host.capacityDiskGiB * overcommit.disk),
});

export const freeOf = (host: HostLoad, overcommit: Overcommit): Resources => {
  const limits = limitsOf(host, overcommit);
  return {
    vcpus: limits.vcpus - host.allocatedVcpus,
    memoryMiB: limits.memoryMiB - host.allocatedMemoryMiB,
    diskGiB: limits.diskGiB - host.allocatedDiskGiB,
  };
};

const fits = (free: Resources, need: Resources) => free.vcpus >= need.vcpus && free.memoryMiB >= need.memoryMiB && free.diskGiB >= need.diskGiB;

/**
 * The scheduler's choice, best first. Filter: enabled, the requested driver, room for the VM
 * within the overcommitted capacity. Weigh: the most free RAM (the resource that runs out first on
 * web hosts), then the name, so equal hosts are always taken in the same order.
 */
export function rankHosts<Host extends HostLoad>(hosts: Host[], need: PlacementNeed, overcommit: Overcommit): Host[] {
  return hosts
    .filter((host) => host.state === 'ENABLED' && (!need.driver || host.driver === need.driver))
    .map((host) => ({ host, free: freeOf(host, overcommit) }))
    .filter(({ free }) => fits(free, need))
    .sort((a, b) => b.free.memoryMiB - a.free.memoryMiB || (a.host.name < b.host.name ? -1 : a.host.name > b.host.name ? 1 : 0))
    .map(({ host }) => host);
}
