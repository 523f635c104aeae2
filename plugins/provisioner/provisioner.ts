/**
 * Configures a site's VM by applying *roles* (plugins/provisioner/roles/*.yaml): ordered,
 * idempotent steps. Only the worker calls it, from task steps; a second run of the same roles
 * changes nothing and reports every step `unchanged`.
 *
 * Errors (plugins/plugin-errors.ts): `Transient` when the VM did not answer before the connect
 * deadline or the connection dropped mid-run (retry the task step); `Fatal` for a host key that is
 * not the expected one, a refused login, an unknown role or bad parameters, and a failing step
 * (`StepFailed`, which names the step and keeps its output).
 */
export interface Provisioner {
  readonly kind: string;
  /** Applies `roles` in order on `target`, over one connection. */
  run(target: ProvisionTarget, roles: RoleApplication[], options?: RunOptions): Promise<ProvisionReport>;
  close(): Promise<void>;
}

export interface ProvisionTarget {
  /** The VM's address or host name. */
  host: string;
  /** 22 when absent. */
  port?: number;
  /**
   * The VM's SSH host keys as ipreg generated them, one `ssh_host_*_key.pub` line each. The
   * server must present one of them: there is no trust on first use.
   */
  hostKeys: string[];
}

/** One role and the values of its parameters. */
export interface RoleApplication {
  role: string;
  parameters?: Record<string, unknown>;
}

export interface RunOptions {
  /** Hears every step's start and outcome and every line of output as it arrives. */
  onEvent?: (event: ProvisionEvent) => void;
}

export type StepOutcome = 'changed' | 'unchanged' | 'skipped';

export type ProvisionEvent =
  /** The VM did not let us in yet (still booting): tried again until the connect deadline. */
  | { type: 'waiting'; attempt: number; reason: string }
  | { type: 'step'; role: string; step: string; status: 'running' | StepOutcome | 'failed' }
  | { type: 'output'; role: string; step: string; stream: 'stdout' | 'stderr'; line: string };

export interface StepReport {
  role: string;
  step: string;
  outcome: StepOutcome;
}

export interface ProvisionReport {
  steps: StepReport[];
  /** How many steps changed something; 0 on a run that found everything as it should be. */
  changed: number;
  /** SSH connections opened for the run: 1 (0 for the sim). */
  connections: number;
}

export const summarize = (steps: StepReport[], connections: number): ProvisionReport => ({
  steps,
  changed: steps.filter((step) => step.outcome === 'changed').length,
  connections,
});
