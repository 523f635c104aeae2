import { createHash } from 'node:crypto';
import { Client, type ClientChannel } from 'ssh2';
import { DriverError, Fatal, Transient } from '../driver.js';
import { shellCommand } from './shell-command.js';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  /** An OpenSSH or PEM private key. */
  privateKey: string | Buffer;
  passphrase?: string;
  /**
   * The host key's SHA256 fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). Without it any
   * host key is accepted, which only suits a loopback test.
   */
  hostKeyFingerprint?: string;
  /** How long connecting and the SSH handshake may take. Default 10 s. */
  readyTimeoutMs?: number;
  /**
   * Commands running at once on the one connection. sshd refuses channels beyond its
   * `MaxSessions` (10 by default), so stay below it. Default 8.
   */
  maxChannels?: number;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the command's standard input, which is then closed. */
  stdin?: string;
  /** A command that has not finished by then is abandoned with Transient. Default 5 minutes. */
  timeoutMs?: number;
}

/** What a dropped connection tells the commands that were running on it. */
const CONNECTION_LOST = 'the ssh connection was lost while the command ran';

/**
 * One SSH connection to a host, opened on first use, shared by every command (each runs in a
 * channel of its own), and opened again on the next command after it drops. A host that cannot be
 * reached is Transient; a refused key or a wrong host key is Fatal, since retrying cannot help.
 */
export class SshConnection {
  readonly #target: Required<Omit<SshTarget, 'passphrase' | 'hostKeyFingerprint'>> & Pick<SshTarget, 'passphrase' | 'hostKeyFingerprint'>;
  #client: Promise<Client> | null = null;
  #channelsInUse = 0;
  readonly #waitingForChannel: (() => void)[] = [];
  #closed = false;

  constructor(target: SshTarget) {
    this.#target = { readyTimeoutMs: 10_000, maxChannels: 8, ...target };
    if (!Number.isInteger(this.#target.maxChannels) || this.#target.maxChannels < 1) {
      throw new Error(`ssh maxChannels must be a positive integer, got ${this.#target.maxChannels}`);
    }
  }

  /** `user@host:port`, for messages. */
  get address(): string {
    return `${this.#target.username}@${this.#target.host}:${this.#target.port}`;
  }

  /** Runs `argv` on the host, each argument quoted, and returns its exit code and output. */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    if (this.#closed) throw new Fatal(`ssh to ${this.address}: the connection is closed`);
    const command = shellCommand(argv);
    await this.#acquireChannel();
    try {
      const client = await this.#connected();
      return await this.#exec(client, command, argv[0], options);
    } finally {
      this.#releaseChannel();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = null;
    if (client) (await client.catch(() => null))?.end();
  }

  #connected(): Promise<Client> {
    this.#client ??= this.#connect();
    return this.#client;
  }

  #connect(): Promise<Client> {
    const { host, port, username, privateKey, passphrase, hostKeyFingerprint, readyTimeoutMs } = this.#target;
    const client = new Client();
    let presentedFingerprint: string | undefined;
    const attempt = new Promise<Client>((resolve, reject) => {
      client.once('ready', () => resolve(client));
      client.once('error', (error) => reject(this.#connectError(error, presentedFingerprint)));
      client.once('close', () => reject(new Transient(`ssh to ${this.address}: the connection closed during the handshake`)));
    });
    // Once up, a dropped connection is forgotten, so the next command connects afresh.
    const forget = () => {
      if (this.#client === attempt) this.#client = null;
    };
    client.on('error', forget).on('close', forget).on('end', forget);
    client.connect({
      host,
      port,
      username,
      privateKey,
      passphrase,
      readyTimeout: readyTimeoutMs,
      // Notices a host that vanished without closing the connection (cable pulled, VM frozen).
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        presentedFingerprint = sshFingerprint(key);
        return hostKeyFingerprint === undefined || presentedFingerprint === hostKeyFingerprint;
      },
    });
    attempt.catch(forget);
    return attempt;
  }

  #connectError(error: Error & { level?: string; code?: string }, presentedFingerprint: string | undefined): DriverError {
    const expected = this.#target.hostKeyFingerprint;
    if (expected !== undefined && presentedFingerprint !== undefined && presentedFingerprint !== expected) {
      return new Fatal(
        `ssh to ${this.address}: the host key is ${presentedFingerprint}, not the expected ${expected}; refusing to connect`,
        error,
      );
    }
    if (error.level === 'client-authentication') {
      return new Fatal(`ssh to ${this.address}: the host refused the key (${error.message})`, error);
    }
    // Refused, unreachable, timed out, reset: the host may well answer later.
    return new Transient(`ssh to ${this.address}: ${error.message}`, error);
  }

  #exec(client: Client, command: string, program: string | undefined, options: RunOptions): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? 300_000;
    return new Promise<CommandResult>((resolve, reject) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let exitCode: number | undefined;
      let settled = false;
      let channel: ClientChannel | undefined;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.removeListener('close', onConnectionClosed);
        outcome();
      };
      const fail = (message: string, cause?: unknown) => finish(() => reject(new Transient(`ssh to ${this.address}: ${program}: ${message}`, cause)));
      const onConnectionClosed = () => fail(CONNECTION_LOST);
      const timer = setTimeout(() => {
        channel?.close();
        fail(`no answer within ${timeoutMs} ms`);
      }, timeoutMs);
      client.once('close', onConnectionClosed);
      try {
        client.exec(command, (error, opened) => {
          if (error) return fail(error.message, error);
          channel = opened;
          opened.on('data', (chunk: Buffer) => stdout.push(chunk));
          opened.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
          opened.on('exit', (code: number | null) => {
            exitCode = code ?? undefined;
          });
          opened.on('close', () => {
            // No exit status: the channel ended without the command reporting back.
            if (exitCode === undefined) return fail(CONNECTION_LOST);
            const result = { exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
            finish(() => resolve(result));
          });
          opened.end(options.stdin);
        });
      } catch (error) {
        // `exec` throws at once when the socket is already gone; its close event forgets the client.
        fail(error instanceof Error ? error.message : String(error), error);
      }
    });
  }

  async #acquireChannel(): Promise<void> {
    if (this.#channelsInUse < this.#target.maxChannels) {
      this.#channelsInUse++;
      return;
    }
    // The releasing command hands its channel over, so the count stays as it is.
    await new Promise<void>((resolve) => this.#waitingForChannel.push(resolve));
  }

  #releaseChannel(): void {
    const next = this.#waitingForChannel.shift();
    if (next) next();
    else this.#channelsInUse--;
  }
}

/** The fingerprint OpenSSH shows for a public key blob: `SHA256:` and unpadded base64. */
export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}
