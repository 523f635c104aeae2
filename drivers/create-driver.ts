import type { HypervisorDriver } from './driver.js';
import { SimDriver } from './sim/sim-driver.js';
import type { SimVmStore } from './sim/sim-vm-store.js';

/** The `hypervisor` section of the configuration; kvm, xen and vmware join this union. */
export type HypervisorConfig = {
  driver: 'sim';
  sim: { latencyMs: number; faults: Record<string, number> };
};

/** Builds the driver the worker uses. `store` keeps the sim's VMs (the application's database in production). */
export function createDriver(config: HypervisorConfig, store: SimVmStore): HypervisorDriver {
  switch (config.driver) {
    case 'sim':
      return new SimDriver({ store, latencyMs: config.sim.latencyMs, faults: config.sim.faults });
    default:
      throw new Error(`unknown hypervisor driver: ${(config as { driver: string }).driver}`);
  }
}
