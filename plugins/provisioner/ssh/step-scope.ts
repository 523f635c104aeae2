import { shellQuote } from '../../../drivers/kvm/shell-command.js';
import type { ProvisionEvent } from '../provisioner.js';
import type { PlannedStep } from '../role/planned-step.js';
import { StepFailed } from '../step-failed.js';
import type { ScriptResult } from './remote-shell.js';
import type { SshSession } from './ssh-session.js';

/** Hostgraph's own files on the VM (relative to the target root). */
export const TOOLS_PATH = '/var/lib/hostgraph/bin';
export const NOTIFICATIONS_PATH = '/var/lib/hostgraph/notify';

/**
 * What a step's action sees of the VM: its paths below the target root, quiet probes that look at
 * the current state, and actions whose every line goes to the run's events. Secrets are masked in
 * everything that leaves.
 */
export class StepScope {
  readonly #preamble: string;

  constructor(
    private readonly session: SshSession,
    readonly root: string,
    readonly step: PlannedStep,
    private readonly redact: (text: string) => string,
    private readonly onEvent: (event: ProvisionEvent) => void,
  ) {
    // Roles' commands find hostgraph-system first and know where the target root is.
    this.#preamble = `HOSTGRAPH_ROOT=${shellQuote(root)}; PATH=${shellQuote(this.path(TOOLS_PATH))}:"$PATH"; export HOSTGRAPH_ROOT PATH\n`;
  }

  /** Where the VM's `path` is on the target. */
  path(path: string): string {
    return this.root === '/' ? path : `${this.root}${path}`;
  }

  /** Looks without changing anything; the caller reads the exit code. */
  probe(script: string, args: readonly string[] = []): Promise<ScriptResult> {
    return this.session.run(this.#preamble + script, args);
  }

  /** Changes the VM, streaming its output; a non-zero exit fails the step with that output. */
  async act(what: string, script: string, args: readonly string[] = [], stdin?: string): Promise<void> {
    const { role, name } = this.step;
    const result = await this.session.run(this.#preamble + script, args, {
      stdin,
      onLine: (stream, line) => this.onEvent({ type: 'output', role, step: name, stream, line: this.redact(line) }),
    });
    if (result.exitCode !== 0) throw new StepFailed(role, name, result.exitCode, result.lines.map(this.redact), this.redact(what));
  }

  /** Like `probe`, but a failure to even look is the step's failure. */
  async read(what: string, script: string, args: readonly string[] = []): Promise<string> {
    const result = await this.probe(script, args);
    if (result.exitCode !== 0) throw new StepFailed(this.step.role, this.step.name, result.exitCode, result.lines.map(this.redact), what);
    return result.stdout;
  }
}
