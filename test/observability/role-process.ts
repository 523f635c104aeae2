import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface RoleProcess {
  child: ChildProcess;
  /** Every JSON log line the process wrote so far. */
  logs(): Record<string, any>[];
  /** The end of what it wrote to stderr: why it died, when it did. */
  stderrTail(): string;
  stop(): Promise<void>;
}

/** `hostgraph start --role …` in a process of its own, its JSON logs kept for the test to read. */
export function startRoleProcess(roles: string[], env: Record<string, string>): RoleProcess {
  const child = spawn('node_modules/.bin/tsx', ['bin/hostgraph.ts', 'start', ...roles.flatMap((role) => ['--role', role])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: Record<string, any>[] = [];
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    if (process.env.DEBUG_CHILDREN) process.stderr.write(chunk);
  });
  return {
    child,
    logs: () => lines,
    stderrTail: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      const exited = once(child, 'exit');
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

/** Waits for `url` of a role process; if it never answers, says whether the process died and what it wrote. */
export async function waitForRole(role: RoleProcess, url: string) {
  try {
    await waitForUrl(url);
  } catch (error) {
    const { exitCode, signalCode } = role.child;
    const errors = role.logs().filter((line) => line.level >= 50).map((line) => JSON.stringify(line)).slice(-3);
    throw new Error(`${(error as Error).message} (process ${exitCode ?? signalCode ?? 'running'}; error logs: ${errors.join(' ') || 'none'}; stderr: ${role.stderrTail() || 'none'})`);
  }
}

async function waitForUrl(url: string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetch(url).catch(() => null);
    if (answer?.ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer in time`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
