import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { shellCommand, shellQuote } from '../../../drivers/kvm/shell-command.js';
import { Transient } from '../../plugin-errors.js';
import { LineSplitter } from './line-splitter.js';

export interface ScriptResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Both streams' lines in the order they arrived, for a failure's message. */
  lines: string[];
}

export interface ScriptOptions {
  stdin?: string;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

interface Running {
  options: ScriptOptions;
  stdout: string[];
  stderr: string[];
  lines: string[];
  exitCode: number | null;
  stderrDone: boolean;
  settle: (outcome: ScriptResult | Error) => void;
}

/**
 * One `sh` on the VM, kept for the whole run in a single channel, that runs each script it is
 * sent: starting a login shell per command would cost more than most steps (sshd's session set-up
 * and the account's shell start files every time). Each script runs in its own `sh -c`, its
 * standard input its own (base64 through a pipe) or /dev/null, never the control stream. After
 * it, the shell prints a marker with the exit code on stdout and one on stderr; a script's output
 * is what comes before them.
 */
export class RemoteShell {
  readonly #marker = `hostgraph-${randomBytes(12).toString('hex')}`;
  #running: Running | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #lost: Error | null = null;

  private constructor(
    private readonly channel: ClientChannel,
    address: string,
  ) {
    const stdout = new LineSplitter((line) => this.#line('stdout', line));
    const stderr = new LineSplitter((line) => this.#line('stderr', line));
    channel.on('data', (chunk: Buffer) => stdout.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    channel.on('close', () => {
      this.#lost = new Transient(`ssh to ${address}: the connection was lost while a step ran`);
      this.#running?.settle(this.#lost);
    });
  }

  static start(client: Client, address: string): Promise<RemoteShell> {
    return new Promise((resolve, reject) => {
      client.exec('exec sh', (error, channel) => {
        if (error) reject(new Transient(`ssh to ${address}: ${error.message}`, { cause: error }));
        else resolve(new RemoteShell(channel, address));
      });
    });
  }

  /** Runs `script` with `sh -c`, its arguments as $1…, each quoted so nothing in them is read by the shell. */
  run(script: string, args: readonly string[], options: ScriptOptions = {}): Promise<ScriptResult> {
    const run = this.#queue.then(() => this.#send(script, args, options));
    this.#queue = run.catch(() => {});
    return run;
  }

  close(): void {
    this.channel.end();
  }

  #send(script: string, args: readonly string[], options: ScriptOptions): Promise<ScriptResult> {
    if (this.#lost) return Promise.reject(this.#lost);
    const command = shellCommand(['sh', '-c', script, 'hostgraph', ...args]);
    const input = options.stdin === undefined ? `${command} < /dev/null` : `printf %s ${shellQuote(Buffer.from(options.stdin).toString('base64'))} | base64 -d | ${command}`;
    return new Promise<ScriptResult>((resolve, reject) => {
      this.#running = {
        options,
        stdout: [],
        stderr: [],
        lines: [],
        exitCode: null,
        stderrDone: false,
        settle: (outcome) => {
          this.#running = null;
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      };
      this.channel.write(`${input}\nprintf '%s %s\\n' ${this.#marker} "$?"\nprintf '%s\\n' ${this.#marker} >&2\n`);
    });
  }

  #line(stream: 'stdout' | 'stderr', line: string): void {
    const running = this.#running;
    if (!running) return;
    const at = line.indexOf(this.#marker);
    // Output that did not end with a newline shares its last line with the marker.
    const text = at === -1 ? line : line.slice(0, at);
    if (at === -1 || text !== '') {
      running[stream].push(text);
      running.lines.push(text);
      running.options.onLine?.(stream, text);
    }
    if (at === -1) return;
    if (stream === 'stdout') running.exitCode = Number(line.slice(at + this.#marker.length + 1));
    else running.stderrDone = true;
    if (running.exitCode !== null && running.stderrDone) {
      running.settle({ exitCode: running.exitCode, stdout: running.stdout.join('\n'), stderr: running.stderr.join('\n'), lines: running.lines });
    }
  }
}
