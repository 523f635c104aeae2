import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ensureInstalled } from './servers.js';

export interface LibvirtServer {
  /** The URI on this machine, which the sshd on loopback reaches too. */
  uri: string;
  /** Whether QEMU can use /dev/kvm here; otherwise domains are emulated (TCG). */
  kvmUsable: boolean;
  /** Stops libvirtd and virtlogd if this started them; a libvirtd that was already running stays. */
  stop(): Promise<void>;
}

const URI = 'qemu:///system';
const PACKAGES: [binary: string, ...debianPackages: string[]][] = [
  ['/usr/sbin/libvirtd', 'libvirt-daemon-system', 'libvirt-clients'],
  ['/usr/bin/qemu-system-x86_64', 'qemu-system-x86'],
  ['/usr/bin/qemu-img', 'qemu-utils'],
  ['/usr/bin/genisoimage', 'genisoimage'],
];
const DAEMONS = [
  { binary: 'virtlogd', pidFile: '/run/virtlogd.pid' },
  { binary: 'libvirtd', pidFile: '/run/libvirtd.pid' },
];

/**
 * The system libvirtd with QEMU, plus the tools the kvm driver runs on its host (qemu-img,
 * genisoimage, isoinfo). Started as daemons when not running; the first start takes ~12 s.
 */
export async function provideLibvirt(): Promise<LibvirtServer> {
  for (const [binary, ...debianPackages] of PACKAGES) ensureInstalled(binary, ...debianPackages);
  const started: typeof DAEMONS = [];
  if (!answers()) {
    for (const daemon of DAEMONS) {
      if (pidFromFile(daemon.pidFile) !== null) continue;
      execFileSync(daemon.binary, ['-d']);
      started.push(daemon);
    }
    for (let i = 0; i < 600 && !answers(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!answers()) throw new Error(`libvirtd did not answer on ${URI} within a minute: ${virsh('version').stderr}`);
  }
  return {
    uri: URI,
    kvmUsable: virsh('domcapabilities', '--virttype', 'kvm').status === 0,
    stop: async () => {
      for (const daemon of [...started].reverse()) {
        const pid = pidFromFile(daemon.pidFile);
        if (pid === null) continue;
        process.kill(pid, 'SIGTERM');
        // Both remove their pid file on the way out (their zombies may linger: init here reaps nothing).
        for (let i = 0; i < 200 && existsSync(daemon.pidFile); i++) await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

function virsh(...args: string[]) {
  return spawnSync('virsh', ['--connect', URI, ...args], { encoding: 'utf8' });
}

function answers(): boolean {
  return virsh('version').status === 0;
}

/** The pid a daemon wrote, when that process still runs. */
function pidFromFile(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isRunning(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Running, not a zombie left behind by a daemon that exited. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
