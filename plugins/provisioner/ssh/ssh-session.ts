import { Client } from 'ssh2';
import sshpk from 'sshpk';
import { Fatal, Transient } from '../../plugin-errors.js';
import type { ExpectedHostKeys } from './expected-host-keys.js';
import { RemoteShell, type ScriptOptions, type ScriptResult } from './remote-shell.js';

export interface SshLogin {
  host: string;
  port: number;
  username: string;
  /** OpenSSH or PEM. */
  privateKey: string;
  hostKeys: ExpectedHostKeys;
  /** Until when a VM that refuses or drops connections (still booting) is tried again. */
  deadline: number;
  onRetry?: (attempt: number, reason: string) => void;
}

/** Between attempts while a VM boots: short at first, never more than this. */
const MAX_PAUSE_MS = 2000;
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * One SSH connection for one provisioning run, and one shell in it that runs every step's
 * scripts, one after the other. Opening it retries refused, reset and timed-out connections until the
 * deadline, since a VM that was just created is still booting; a wrong host key or a refused
 * login fails at once.
 */
export class SshSession {
  private constructor(
    readonly address: string,
    private readonly client: Client,
    private readonly shell: RemoteShell,
  ) {}

  static async open(login: SshLogin): Promise<SshSession> {
    const address = `${login.username}@${login.host}:${login.port}`;
    let pause = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        const client = await connect(login, address);
        return new SshSession(address, client, await RemoteShell.start(client, address));
      } catch (error) {
        if (!(error instanceof Transient)) throw error;
        const left = login.deadline - Date.now();
        if (left <= 0) throw new Transient(`${error.message}; gave up after ${attempt} attempts`, { cause: error });
        login.onRetry?.(attempt, error.message);
        await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
      }
    }
  }

  /** Runs `script` with `sh -c` in the run's one shell, its arguments as $1…; a lost connection is Transient. */
  run(script: string, args: readonly string[], options: ScriptOptions = {}): Promise<ScriptResult> {
    return this.shell.run(script, args, options);
  }

  close(): void {
    this.shell.close();
    this.client.end();
  }
}

function connect(login: SshLogin, address: string): Promise<Client> {
  const client = new Client();
  let presented: string | undefined;
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    // Also after the handshake: a connection that drops mid-run errors, then closes, and the close fails the running step.
    client.on('error', (error: Error & { level?: string }) => {
      client.end();
      if (presented !== undefined) {
        reject(new Fatal(`ssh to ${address}: the host key is ${presented}, not one of the expected ${login.hostKeys.fingerprints.join(', ')}; refusing to connect`));
      } else if (error.level === 'client-authentication') {
        reject(new Fatal(`ssh to ${address}: the host refused Hostgraph's key (${error.message})`, { cause: error }));
      } else {
        reject(new Transient(`ssh to ${address}: ${error.message}`, { cause: error }));
      }
    });
    client.once('close', () => reject(new Transient(`ssh to ${address}: the connection closed during the handshake`)));
    client.connect({
      host: login.host,
      port: login.port,
      username: login.username,
      privateKey: login.privateKey,
      readyTimeout: Math.max(1000, Math.min(HANDSHAKE_TIMEOUT_MS, login.deadline - Date.now())),
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: login.hostKeys.algorithms as never },
      hostVerifier: (blob: Buffer) => {
        if (login.hostKeys.matches(blob)) return true;
        presented = sshpk.parseKey(blob, 'rfc4253').fingerprint('sha256').toString();
        return false;
      },
    });
  });
}
