import type { HypervisorDriver } from '../../../drivers/driver.js';
import type { HostDrivers } from '../../../drivers/registry/host-drivers.js';
import type { InventoryClient } from './inventory-client.js';

/** The driver of the host a VM is placed on, for the worker's steps. */
export interface VmDrivers {
  /** Null when the VM is not placed: nothing of it was ever made on a hypervisor. */
  forVm(vmId: string): Promise<HypervisorDriver | null>;
}

/** Asks the inventory where the VM is, and hands back that host's driver from the worker's pool. */
export function placedVmDrivers(inventory: Pick<InventoryClient, 'placementOf'>, drivers: HostDrivers): VmDrivers {
  return {
    async forVm(vmId) {
      const placement = await inventory.placementOf(vmId);
      return placement ? drivers.forHost(placement.host) : null;
    },
  };
}
