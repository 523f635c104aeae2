import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProvisionEvent, ProvisionReport, ProvisionTarget, Provisioner, RoleApplication, RunOptions, StepOutcome, StepReport } from '../provisioner.js';
import { summarize } from '../provisioner.js';
import type { PlannedStep } from '../role/planned-step.js';
import type { RoleLibrary } from '../role/role-library.js';
import { actionWork } from './actions/action-work.js';
import { ExpectedHostKeys } from './expected-host-keys.js';
import { SshSession } from './ssh-session.js';
import { NOTIFICATIONS_PATH, StepScope, TOOLS_PATH } from './step-scope.js';

/** Debian's hostgraph-system, the default answer to what roles ask of the operating system. */
export const DEBIAN_TOOLS = fileURLToPath(new URL('../tools/debian/', import.meta.url));

export interface SshProvisionerOptions {
  roles: RoleLibrary;
  username: string;
  privateKey: string;
  /** Where the VM's `/` is: `/` on a VM; a folder when a test host stands in for one. */
  root: string;
  /** Copied to /var/lib/hostgraph/bin on the target before the roles run. */
  toolsDirectory: string;
  /** How long a VM may refuse connections (booting) before the run gives up with Transient. */
  connectTimeoutMs: number;
}

const TOOLS_ROLE = 'hostgraph';
const MASK = '********';

export class SshProvisioner implements Provisioner {
  readonly kind = 'ssh';
  readonly #tools: { name: string; content: string }[];

  constructor(private readonly options: SshProvisionerOptions) {
    this.#tools = readdirSync(options.toolsDirectory).map((name) => ({ name, content: readFileSync(join(options.toolsDirectory, name), 'utf8') }));
  }

  async run(target: ProvisionTarget, roles: RoleApplication[], { onEvent = () => {} }: RunOptions = {}): Promise<ProvisionReport> {
    // Everything is checked before the VM is touched.
    const plan = this.options.roles.plan(roles);
    const hostKeys = new ExpectedHostKeys(target.hostKeys);
    const redact = (text: string) => plan.secrets.reduce((masked, secret) => masked.replaceAll(secret, MASK), text);
    const session = await SshSession.open({
      host: target.host,
      port: target.port ?? 22,
      username: this.options.username,
      privateKey: this.options.privateKey,
      hostKeys,
      deadline: Date.now() + this.options.connectTimeoutMs,
      onRetry: (attempt, reason) => onEvent({ type: 'waiting', attempt, reason }),
    });
    try {
      const reports: StepReport[] = [];
      for (const step of [...this.#toolSteps(), ...plan.steps]) {
        const scope = new StepScope(session, this.options.root, step, redact, onEvent);
        reports.push({ role: step.role, step: step.name, outcome: await this.#runStep(step, scope, onEvent) });
      }
      return summarize(reports, 1);
    } finally {
      session.close();
    }
  }

  async close(): Promise<void> {}

  /** The tools are files like any other, put in place before the roles that call them. */
  #toolSteps(): PlannedStep[] {
    return this.#tools.map((tool) => ({
      role: TOOLS_ROLE,
      name: `${TOOLS_PATH}/${tool.name}`,
      action: { kind: 'file', path: `${TOOLS_PATH}/${tool.name}`, content: tool.content, mode: '0755', owner: 'root', group: 'root' },
    }));
  }

  async #runStep(step: PlannedStep, scope: StepScope, onEvent: (event: ProvisionEvent) => void): Promise<StepOutcome> {
    const report = (status: Extract<ProvisionEvent, { type: 'step' }>['status']) => onEvent({ type: 'step', role: step.role, step: step.name, status });
    report('running');
    try {
      const outcome = await this.#applyStep(step, scope);
      report(outcome);
      return outcome;
    } catch (error) {
      report('failed');
      throw error;
    }
  }

  async #applyStep(step: PlannedStep, scope: StepScope): Promise<StepOutcome> {
    const marker = step.whenNotified && scope.path(`${NOTIFICATIONS_PATH}/${step.whenNotified}`);
    if (marker && (await scope.probe('[ -e "$1" ]', [marker])).exitCode !== 0) return 'skipped';
    const work = await actionWork(step.action, scope);
    if (work) await work();
    if (work && step.notify) await scope.act(`noting ${step.notify}`, 'mkdir -p "$(dirname "$1")" && touch "$1"', [scope.path(`${NOTIFICATIONS_PATH}/${step.notify}`)]);
    if (marker && step.clearsNotification) await scope.act(`clearing ${step.whenNotified}`, 'rm -f "$1"', [marker]);
    return work ? 'changed' : 'unchanged';
  }
}
