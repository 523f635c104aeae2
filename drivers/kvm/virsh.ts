import type { RunOptions, SshConnection } from './ssh-connection.js';
import { virshError } from './virsh-error.js';

/** virsh on the hypervisor host, run through the driver's SSH connection against one libvirt URI. */
export class Virsh {
  constructor(
    readonly ssh: SshConnection,
    readonly uri: string,
  ) {}

  /** Runs `virsh <command> <args>`, returning its standard output; a failure becomes a driver error. */
  async run(command: string, args: readonly string[] = [], options?: RunOptions): Promise<string> {
    const result = await this.ssh.run(['virsh', '--connect', this.uri, '--quiet', command, ...args], options);
    if (result.exitCode !== 0) throw virshError(command, result.exitCode, result.stderr);
    return result.stdout;
  }
}
