import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Role } from '../../bin/start-roles.js';
import type { Config } from '../../core/config.js';
import { prepareInstance, type InstanceOptions } from '../../test/support/hostgraph-instance.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ChildInstance {
  /** The gateway's GraphQL URL. */
  url: string;
  /** The process that serves the gateway (Node itself, not a launcher), for /proc/<pid>/status. */
  pid: number;
  /** Every process of the installation, in the order started, with the roles each runs. */
  processes: { roles: Role[] | 'all'; pid: number }[];
  config: Config;
  stop(): Promise<void>;
}

export interface ChildInstanceOptions extends InstanceOptions {
  /**
   * How the roles are spread over processes, one list each; every role in one process (`npm
   * start`) when absent. The process with the gateway is started last.
   */
  processes?: Role[][];
}

/**
 * `hostgraph start` in processes of its own, with a fresh data folder and free ports shared by
 * them all, so the load generator neither shares its CPU time nor its heap. Node loads tsx itself
 * instead of going through the tsx launcher, which would put a second process between us and the
 * server.
 */
export async function startChildInstance(options: ChildInstanceOptions = {}): Promise<ChildInstance> {
  const { dir, env, config } = await prepareInstance(options);
  const groups: (Role[] | 'all')[] = options.processes
    ? [...options.processes].sort((a, b) => Number(a.includes('gateway')) - Number(b.includes('gateway')))
    : ['all'];
  let stderr = '';
  const children: { roles: Role[] | 'all'; child: ChildProcess; exited: Promise<unknown> }[] = groups.map((roles) => {
    const args = roles === 'all' ? [] : roles.flatMap((role) => ['--role', role]);
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/hostgraph.ts', 'start', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    return { roles, child, exited: once(child, 'exit') };
  });
  const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

  const stop = async () => {
    for (const { child, exited } of [...children].reverse()) {
      if (!running(child)) continue;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  /** What the processes said, on the first line of an error, since a crash's first line is what a table shows. */
  const said = () => (stderr.trim() ? `: ${stderr.trim()}` : ' (nothing on stderr)');
  const url = `http://127.0.0.1:${config.gateway.port}/graphql`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      const dead = children.find(({ child }) => !running(child));
      if (dead) throw new Error(`hostgraph start (${dead.roles}) exited (${dead.child.exitCode ?? dead.child.signalCode}) before it was ready${said()}`);
      // The gateway's readiness covers every subgraph, the database, the queue and the bus.
      const ready = await fetch(url.replace(/\/graphql$/, '/readyz')).catch(() => null);
      if (ready?.ok) break;
      if (Date.now() > deadline) throw new Error(`hostgraph start was not ready after ${START_TIMEOUT_MS / 1000} s${said()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const processes = children.map(({ roles, child }) => ({ roles, pid: child.pid! }));
  return { url, pid: processes.at(-1)!.pid, processes, config, stop };
}
