import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../core/config.js';
import { prepareInstance, type InstanceOptions } from '../../test/support/hostgraph-instance.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ChildInstance {
  /** The gateway's GraphQL URL. */
  url: string;
  /** The process that serves it (Node itself, not a launcher), for /proc/<pid>/status. */
  pid: number;
  config: Config;
  stop(): Promise<void>;
}

/**
 * `hostgraph start` (gateway, hosting, worker, scheduler) in a process of its own, with a fresh
 * data folder and free ports, so the load generator neither shares its CPU time nor its heap.
 * Node loads tsx itself instead of going through the tsx launcher, which would put a second
 * process between us and the server.
 */
export async function startChildInstance(options: InstanceOptions = {}): Promise<ChildInstance> {
  const { dir, env, config } = await prepareInstance(options);
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/hostgraph.ts', 'start'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = once(child, 'exit');

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  /** What the process said, on the first line of an error, since a crash's first line is what a table shows. */
  const said = () => (stderr.trim() ? `: ${stderr.trim()}` : ' (nothing on stderr)');
  const url = `http://127.0.0.1:${config.gateway.port}/graphql`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`hostgraph start exited (${child.exitCode ?? child.signalCode}) before it was ready${said()}`);
      }
      const ready = await fetch(url.replace(/\/graphql$/, '/readyz')).catch(() => null);
      if (ready?.ok) break;
      if (Date.now() > deadline) throw new Error(`hostgraph start was not ready after ${START_TIMEOUT_MS / 1000} s${said()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid!, config, stop };
}
