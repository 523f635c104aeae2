import { posix } from 'node:path';
import type { KvmNetwork } from './domain-xml/write-domain-xml.js';
import type { SshTarget } from './ssh-connection.js';

export type { KvmNetwork } from './domain-xml/write-domain-xml.js';
export type { SshTarget } from './ssh-connection.js';

export interface KvmDriverOptions {
  /** The hypervisor host; virsh, qemu-img and genisoimage run there as this user. */
  ssh: SshTarget;
  /** The libvirt URI on the host. Default `qemu:///system`. */
  libvirtUri?: string;
  /** Absolute directory on the host for VM disks and seed ISOs; QEMU's user must be able to reach it. */
  storageDir: string;
  /** Absolute path on the host of the qcow2 image every new disk is an overlay of. */
  baseImage: string;
  /** Where new VMs' NICs go. Default QEMU user-mode networking. */
  network?: KvmNetwork;
  /** `kvm` needs a usable /dev/kvm, `qemu` emulates (slow); `auto` asks libvirt once. Default `auto`. */
  domainType?: 'kvm' | 'qemu' | 'auto';
  /**
   * The guest CPU. `host-model` gives guests the CPU features recent distributions require
   * (x86-64-v2 and up), but nested hosts may refuse it (QEMU: "failed to set MSR"); absent, QEMU's
   * baseline model, which runs everywhere.
   */
  cpuMode?: 'host-model' | 'host-passthrough';
  /** How long `shutdown` waits for the guest when the caller gives no `timeoutMs`. Default 60 s. */
  shutdownTimeoutMs?: number;
  /** The longest a single command on the host (a disk copy) may take. Default 30 minutes. */
  commandTimeoutMs?: number;
}

export type ResolvedKvmDriverOptions = Required<Omit<KvmDriverOptions, 'cpuMode'>> & Pick<KvmDriverOptions, 'cpuMode'>;

/** Fills in defaults and refuses a configuration that cannot work, saying which field is wrong. */
export function resolveKvmDriverOptions(options: KvmDriverOptions): ResolvedKvmDriverOptions {
  const problems: string[] = [];
  for (const field of ['storageDir', 'baseImage'] as const) {
    const path = options[field];
    if (typeof path !== 'string' || !posix.isAbsolute(path) || /[\0\n]/.test(path)) problems.push(`${field} must be an absolute path`);
  }
  if (!options.ssh?.host || !options.ssh.username || !options.ssh.privateKey) problems.push('ssh needs host, username and privateKey');
  if (!Number.isInteger(options.ssh?.port) || options.ssh.port < 1 || options.ssh.port > 65535) problems.push('ssh.port must be a TCP port');
  const network = options.network ?? { type: 'user' };
  if (network.type !== 'user' && !((network.type === 'network' || network.type === 'bridge') && network.name)) {
    problems.push('network must be { type: "user" }, or { type: "network" | "bridge", name }');
  }
  const domainType = options.domainType ?? 'auto';
  if (!['kvm', 'qemu', 'auto'].includes(domainType)) problems.push('domainType must be kvm, qemu or auto');
  if (options.cpuMode !== undefined && !['host-model', 'host-passthrough'].includes(options.cpuMode)) {
    problems.push('cpuMode must be host-model or host-passthrough (or absent)');
  }
  for (const field of ['shutdownTimeoutMs', 'commandTimeoutMs'] as const) {
    const value = options[field];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) problems.push(`${field} must be a positive number of milliseconds`);
  }
  if (problems.length) throw new Error(`kvm driver configuration: ${problems.join('; ')}`);
  return {
    ssh: options.ssh,
    libvirtUri: options.libvirtUri ?? 'qemu:///system',
    storageDir: posix.normalize(options.storageDir).replace(/(.)\/+$/, '$1'),
    baseImage: posix.normalize(options.baseImage),
    network,
    domainType,
    cpuMode: options.cpuMode,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 60_000,
    commandTimeoutMs: options.commandTimeoutMs ?? 30 * 60_000,
  };
}
