import type { ProvisionReport, ProvisionTarget, Provisioner, RoleApplication, RunOptions } from '../../plugins/provisioner/provisioner.js';
import { RoleLibrary } from '../../plugins/provisioner/role/role-library.js';
import { SimProvisioner } from '../../plugins/provisioner/sim/sim-provisioner.js';
import type { VmEndpoint } from '../../plugins/provisioner/vm-endpoints.js';

/** The sim provisioner, whose runs a test can hold at their start to make changes arrive during one. */
export class GatedProvisioner implements Provisioner {
  readonly kind = 'sim';
  readonly sim = new SimProvisioner(new RoleLibrary());
  #gate: Promise<void> | null = null;
  #entered: (() => void) | null = null;
  /** Runs with roles fail with this until it is cleared, as a VM whose packages cannot install would. */
  failure: Error | null = null;

  /** Runs from now on wait at their start until `release` is called; `entered` resolves when one does. */
  hold(): { entered: Promise<void>; release: () => void } {
    let release!: () => void;
    this.#gate = new Promise((resolve) => (release = resolve));
    const entered = new Promise<void>((resolve) => (this.#entered = resolve));
    return {
      entered,
      release: () => {
        this.#gate = null;
        release();
      },
    };
  }

  async run(target: ProvisionTarget, roles: RoleApplication[], options?: RunOptions): Promise<ProvisionReport> {
    if (this.#gate && roles.length > 0) {
      this.#entered?.();
      await this.#gate;
    }
    if (this.failure && roles.length > 0) throw this.failure;
    return this.sim.run(target, roles, options);
  }

  /** The roles of every run for a site, by its service name (hosting's targets are VM endpoints, which carry it). */
  runsFor(serviceName: string): RoleApplication[][] {
    return this.sim.runs.filter((run) => (run.target as Partial<VmEndpoint>).serviceName === serviceName && run.roles.length > 0).map((run) => run.roles);
  }

  /** The roles of the last run that had any. */
  lastRoles(): string[] {
    return this.sim.runs.filter((run) => run.roles.length > 0).at(-1)?.roles.map((application) => application.role) ?? [];
  }

  async close(): Promise<void> {}
}
