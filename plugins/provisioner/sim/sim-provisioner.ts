import type { ProvisionReport, ProvisionTarget, Provisioner, RoleApplication, RunOptions, StepOutcome, StepReport } from '../provisioner.js';
import { summarize } from '../provisioner.js';
import type { Action, PlannedStep } from '../role/planned-step.js';
import type { RoleLibrary } from '../role/role-library.js';

/** What a run asked for and what it would have done, for tests of the workflows. */
export interface SimRun {
  target: ProvisionTarget;
  roles: RoleApplication[];
  steps: StepReport[];
}

interface SimHost {
  /** The action each step last applied, by role and step name. */
  applied: Map<string, string>;
  notifications: Set<string>;
}

/**
 * For the `sim` hypervisor, whose VMs have no SSH: plans the roles exactly as `ssh` does (so bad
 * roles and parameters fail the same way) and records what it would have done. It remembers per
 * host what each step applied, so a second run of the same roles reports every step unchanged and
 * a changed parameter changes just the steps it reaches. The memory is this process's own.
 */
export class SimProvisioner implements Provisioner {
  readonly kind = 'sim';
  readonly runs: SimRun[] = [];
  readonly #hosts = new Map<string, SimHost>();

  constructor(private readonly roles: RoleLibrary) {}

  async run(target: ProvisionTarget, roles: RoleApplication[], { onEvent = () => {} }: RunOptions = {}): Promise<ProvisionReport> {
    const plan = this.roles.plan(roles);
    const hostName = `${target.host}:${target.port ?? 22}`;
    const host = this.#hosts.get(hostName) ?? { applied: new Map(), notifications: new Set() };
    this.#hosts.set(hostName, host);
    const steps = plan.steps.map((step): StepReport => {
      const outcome = this.#outcome(host, step);
      onEvent({ type: 'step', role: step.role, step: step.name, status: 'running' });
      if (outcome === 'changed') onEvent({ type: 'output', role: step.role, step: step.name, stream: 'stdout', line: `sim: would ${describe(step.action)}` });
      onEvent({ type: 'step', role: step.role, step: step.name, status: outcome });
      return { role: step.role, step: step.name, outcome };
    });
    this.runs.push({ target, roles, steps });
    return summarize(steps, 0);
  }

  async close(): Promise<void> {}

  #outcome(host: SimHost, step: PlannedStep): StepOutcome {
    if (step.whenNotified && !host.notifications.has(step.whenNotified)) return 'skipped';
    const key = `${step.role}\0${step.name}`;
    const applied = JSON.stringify(step.action);
    // Notified steps (reloads) and commands without a check do their work whenever they run.
    const always = step.whenNotified !== undefined || (step.action.kind === 'command' && step.action.unless === undefined);
    const changed = always || host.applied.get(key) !== applied;
    host.applied.set(key, applied);
    if (changed && step.notify) host.notifications.add(step.notify);
    if (step.clearsNotification) host.notifications.delete(step.whenNotified!);
    return changed ? 'changed' : 'unchanged';
  }
}

function describe(action: Action): string {
  switch (action.kind) {
    case 'packages':
      return [action.install.length ? `install ${action.install.join(' ')}` : '', action.remove.length ? `remove ${action.remove.join(' ')}` : ''].filter(Boolean).join(', ');
    case 'file':
    case 'link':
      return 'absent' in action ? `remove ${action.path}` : action.kind === 'file' ? `write ${action.path}` : `link ${action.path} to ${action.target}`;
    case 'directory':
      return `make directory ${action.path}`;
    case 'users':
      return `set the members of ${action.group}: ${action.users.map((user) => `${user.name} (${user.uid})`).join(', ') || 'none'}`;
    case 'service':
      return `have service ${action.name} ${action.state}`;
    case 'command':
      return 'run a command';
  }
}
