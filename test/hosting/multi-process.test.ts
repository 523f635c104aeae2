import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../../core/config.js';
import { SqlSimVmStore } from '../../drivers/sim/sql-sim-vm-store.js';
import { openPostgresExecutor } from '../drivers/sql-executors.js';
import { obliterate } from '../support/bullmq.js';
import { query, sse } from '../support/graphql-client.js';
import { prepareInstance, TOKENS } from '../support/hostgraph-instance.js';
import { createPostgresDatabase } from '../support/postgres-database.js';

const EVENTS = `subscription ($taskId: ID!) { taskEvents(taskId: $taskId) { seq type step message } }`;

/**
 * Runs `hostgraph start` in its own process, as a scaled-out deployment would. tsx runs the program
 * in a child of its own, so each start gets a process group, and signals go to the whole group.
 */
function startProcess(roles: string[], env: Record<string, string>): ChildProcess {
  const child = spawn('node_modules/.bin/tsx', ['bin/hostgraph.ts', 'start', ...roles.flatMap((role) => ['--role', role])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stderr!.on('data', (chunk) => process.env.DEBUG_CHILDREN && process.stderr.write(chunk));
  child.stdout!.on('data', (chunk) => process.env.DEBUG_CHILDREN && process.stdout.write(chunk));
  return child;
}

async function waitUntilReady(url: string) {
  for (let i = 0; i < 300; i++) {
    const ready = await fetch(url.replace(/\/graphql$/, '/readyz')).catch(() => null);
    if (ready?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready`);
}

async function signal(child: ChildProcess | undefined, signal: NodeJS.Signals) {
  if (!child || child.exitCode !== null || child.signalCode) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid!, signal);
  await exited;
}

describe('one process asks, another works, a third listens (PostgreSQL + Redis)', () => {
  const children: ChildProcess[] = [];
  let env: Record<string, string>;
  let url: string;
  let dir: string;
  let drop: () => Promise<void>;
  let databaseUrl: string;

  beforeAll(async () => {
    const db = await createPostgresDatabase(inject('postgresUrl'));
    drop = db.drop;
    databaseUrl = db.url;
    const prepared = await prepareInstance({ database: db.url, redisUrl: inject('redisUrl') });
    ({ env, dir } = prepared);
    url = `http://127.0.0.1:${prepared.config.gateway.port}/graphql`;
    // Every subgraph: the gateway is ready only when all of them answer.
    const api = startProcess(['gateway', ...SUBGRAPH_NAMES, 'scheduler'], env);
    children.push(api);
    await waitUntilReady(url);
  });

  afterAll(async () => {
    for (const child of children) await signal(child, 'SIGTERM');
    await drop?.();
    if (env) await obliterate(inject('redisUrl'), env.HOSTGRAPH_QUEUE!);
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes a task whose worker was killed mid-step, and leaks nothing', async () => {
    // A slow hypervisor, so the kill lands inside a step.
    const doomed = startProcess(['worker'], { ...env, SIM_LATENCY_MS: '2000' });
    children.push(doomed);
    const { createSite } = await query(url, `mutation { createSite(input: { name: "survivor", flavor: "small" }) { id siteId } }`, {}, TOKENS.alice);

    const events: { seq: number; type: string; step: string | null; message: string }[] = [];
    const stream = sse(url, EVENTS, { taskId: createSite.id }, TOKENS.alice);
    let killed = false;
    for await (const payload of stream) {
      const event = payload.data!.taskEvents;
      events.push(event);
      if (!killed && event.type === 'STEP_STARTED' && event.step === 'start-vm') {
        await signal(doomed, 'SIGKILL');
        killed = true;
        children.push(startProcess(['worker'], { ...env, SIM_LATENCY_MS: '0' }));
      }
    }
    expect(killed).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)!.type).toBe('TASK_SUCCEEDED');
    expect(events.some((e) => e.type === 'TASK_STARTED' && /resumed/.test(e.message))).toBe(true);

    const { task } = await query(url, `query ($id: ID!) { task(id: $id) { state attempt site { state vmRef } } }`, { id: createSite.id }, TOKENS.alice);
    expect(task).toMatchObject({ state: 'SUCCEEDED', attempt: 2, site: { state: 'RUNNING' } });

    const executor = await openPostgresExecutor(databaseUrl);
    try {
      const vms = (await new SqlSimVmStore(executor.executor).list()).filter((vm) => vm.labels.siteId === createSite.siteId);
      expect(vms).toHaveLength(1);
      expect(vms[0]!.ref).toBe(task.site.vmRef);
      expect(vms[0]!.powerState).toBe('running');
    } finally {
      await executor.close();
    }
  });
});
