import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { STATE, ensureInstalled, reachable } from './servers.js';

export interface SshdServer {
  host: string;
  port: number;
  /** root: the loopback test logs in as root with its own key. */
  username: string;
  /** The client's private key (OpenSSH format), the only one sshd accepts. */
  privateKey: string;
  /** The host key's fingerprint, as `ssh-keygen -l` prints it (`SHA256:…`). */
  hostKeyFingerprint: string;
  /** The host key's public half, one line as in `ssh_host_ed25519_key.pub`. */
  hostPublicKey: string;
  /** sshd's log (LogLevel INFO: one `Accepted publickey` line per connection it let in). */
  logFile: string;
  /** Takes the host off the network: stops listening and cuts every open session. */
  interrupt(): Promise<void>;
  /** Listens again after `interrupt`; does nothing while running. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** The host key it presents (OpenSSH private key), as a VM's cloud-init would install it; a new ed25519 key when absent. */
  hostPrivateKey?: string;
  /** The one client key it accepts (OpenSSH private key); a new ed25519 key when absent. */
  clientPrivateKey?: string;
}

/** A private sshd on a free loopback port: its own host key, config and authorized key, no PAM. */
export async function startSshd(options: SshdOptions = {}): Promise<SshdServer> {
  ensureInstalled('/usr/sbin/sshd', 'openssh-server');
  const port = await freePort();
  const dir = join(STATE, `sshd-${port}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = join(dir, 'host_ed25519_key');
  const clientKey = join(dir, 'client_ed25519_key');
  for (const [key, given] of [[hostKey, options.hostPrivateKey], [clientKey, options.clientPrivateKey]] as const) {
    if (!given) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hostgraph-test', '-f', key]);
      continue;
    }
    writeFileSync(key, given.endsWith('\n') ? given : `${given}\n`, { mode: 0o600 });
    writeFileSync(`${key}.pub`, execFileSync('ssh-keygen', ['-y', '-f', key]));
  }
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // Its keys live in the checkout's .test-servers, and a checkout under /tmp (world-writable) would fail sshd's check of their parents.
      'StrictModes no',
      '',
    ].join('\n'),
  );
  // sshd's privilege separation directory; the system's sshd would create it.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync('/usr/sbin/sshd', ['-t', '-f', config]);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1];

  let daemon: ChildProcess | null = null;
  const listen = async () => {
    if (daemon) return;
    // -D keeps it in the foreground as this process's child, so the test knows its pid.
    daemon = spawn('/usr/sbin/sshd', ['-D', '-f', config, '-E', join(dir, 'sshd.log')], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 50));
    if (!(await reachable(port))) throw new Error(`sshd did not listen on 127.0.0.1:${port}; see ${join(dir, 'sshd.log')}`);
  };
  const interrupt = async () => {
    const listener = daemon;
    if (!listener?.pid) return;
    daemon = null;
    // Every session is a descendant of the listener; end them all, as a host going down would.
    const pids = [...descendantsOf(listener.pid), listener.pid];
    for (const pid of pids) signal(pid, 'SIGKILL');
    for (let i = 0; i < 100 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 20));
  };
  await listen();
  return {
    host: '127.0.0.1',
    port,
    username: 'root',
    privateKey: readFileSync(clientKey, 'utf8'),
    hostKeyFingerprint: fingerprint,
    hostPublicKey: readFileSync(`${hostKey}.pub`, 'utf8').trim(),
    logFile: join(dir, 'sshd.log'),
    interrupt,
    resume: listen,
    stop: async () => {
      await interrupt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The processes below `pid`, read from /proc (each process's parent is field 4 of its stat line). */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name in parentheses may hold spaces; the fields after it do not.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), parent);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ofParent] of parents) {
      if (ofParent === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Running, not merely waiting to be reaped (a container's init may never reap a zombie). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
