import type { SimDriverConfig } from '../../core/config.js';
import { Fatal, type HypervisorDriver } from '../driver.js';
import { KvmDriver } from '../kvm/kvm-driver.js';
import { SimDriver } from '../sim/sim-driver.js';
import type { SimVmStore } from '../sim/sim-vm-store.js';
import { VmwareDriver } from '../vmware/vmware-driver.js';
import { XenDriver } from '../xen/xen-driver.js';
import { InvalidHostConnection } from './connection-uri.js';
import { resolveCredential } from './credential-ref.js';
import { parseHostConnection, type HostConnectionSpec } from './driver-kinds.js';

/** What the worker knows of a host from the inventory: enough to connect, nothing secret. */
export interface HostConnection {
  id: string;
  name: string;
  driver: string;
  uri: string;
  credentialRef: string | null;
}

export interface HostDriversOptions {
  /** Secrets that credential references name (`config.secrets`). */
  secrets: Record<string, string>;
  sim: SimDriverConfig;
  /** Where a sim host keeps its VMs: a table of the application's database. */
  simStore(tableName: string): SimVmStore;
  /** Used for every sim host instead of building one (tests hand in a driver they control). */
  simDriver?: HypervisorDriver;
}

/**
 * The worker's drivers, one per hypervisor host, built from the host's driver kind, URI and
 * resolved credential on first use and kept (a kvm driver holds its SSH connection, a vmware one
 * its session). A host whose connection changed gets a new driver; the old one is closed.
 */
export class HostDrivers {
  readonly #drivers = new Map<string, { key: string; driver: HypervisorDriver }>();

  constructor(private readonly options: HostDriversOptions) {}

  forHost(host: HostConnection): HypervisorDriver {
    const key = `${host.driver}\n${host.uri}\n${host.credentialRef ?? ''}`;
    const kept = this.#drivers.get(host.id);
    if (kept?.key === key) return kept.driver;
    if (kept && kept.driver !== this.options.simDriver) void kept.driver.close().catch(() => {});
    const driver = this.#build(host);
    this.#drivers.set(host.id, { key, driver });
    return driver;
  }

  async close(): Promise<void> {
    const built = [...this.#drivers.values()].map(({ driver }) => driver).filter((driver) => driver !== this.options.simDriver);
    this.#drivers.clear();
    await Promise.all(built.map((driver) => driver.close().catch(() => {})));
  }

  #build(host: HostConnection): HypervisorDriver {
    let spec: HostConnectionSpec;
    try {
      spec = parseHostConnection(host.driver, host.uri, host.credentialRef);
    } catch (error) {
      // The inventory checks hosts before storing them, so this is a host edited behind its back.
      if (error instanceof InvalidHostConnection) throw new Fatal(`host ${host.name}: ${error.message}`);
      throw error;
    }
    const secret = () => resolveCredential(host.credentialRef!, this.options.secrets);
    switch (spec.driver) {
      case 'sim':
        return this.options.simDriver ?? new SimDriver({ store: this.options.simStore(spec.tableName), latencyMs: this.options.sim.latencyMs, faults: this.options.sim.faults });
      case 'kvm':
        return new KvmDriver({ ...spec.connection, ssh: { ...spec.connection.ssh, privateKey: secret() } });
      case 'vmware':
        return new VmwareDriver({ ...spec.connection, password: secret().trim() });
      case 'xen':
        return new XenDriver({ ...spec.connection, password: secret().trim() });
    }
  }
}
