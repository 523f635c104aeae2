import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { STATE } from './servers.js';
import { startSshd, type SshdServer } from './sshd-server.js';

export interface KvmTestHost {
  sshd: SshdServer;
  storageDir: string;
  /** An empty 1 GiB image: VMs have no OS, so they boot at once even under TCG. */
  baseImage: string;
  /** The host's connection URI for `addHypervisorHost`, with the sshd's host key pinned. */
  uri: string;
  /** hostgraph.yaml settings: the sshd's key as a secret, and a flavor placed on kvm hosts only. */
  settings: Record<string, unknown>;
  /** Its credential reference, for `addHypervisorHost`. */
  credentialRef: string;
  stop(): Promise<void>;
}

/** The libvirtd on this machine as a kvm host reached over a real sshd on loopback, with storage of its own. */
export async function startKvmTestHost(name: string): Promise<KvmTestHost> {
  const sshd = await startSshd();
  const storageDir = join(STATE, `${name}-${randomUUID().slice(0, 8)}`);
  mkdirSync(storageDir, { recursive: true, mode: 0o755 });
  const baseImage = join(storageDir, 'base.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', baseImage, '1G']);
  return {
    sshd,
    storageDir,
    baseImage,
    uri: `qemu+ssh://root@${sshd.host}:${sshd.port}/system?storageDir=${storageDir}&baseImage=${baseImage}&hostKey=${encodeURIComponent(sshd.hostKeyFingerprint)}`,
    settings: {
      secrets: { KVM_TEST_KEY: sshd.privateKey },
      flavors: { small: { vcpus: 1, memoryMiB: 2048, diskGiB: 20 }, 'kvm-tiny': { vcpus: 1, memoryMiB: 64, diskGiB: 1, driver: 'kvm' } },
      inventory: { reconcileSchedule: '0 0 0 1 1 *' },
    },
    credentialRef: 'secret:KVM_TEST_KEY',
    async stop() {
      await sshd.stop();
      rmSync(storageDir, { recursive: true, force: true });
    },
  };
}
