import { performance } from 'node:perf_hooks';
import type { Benchmark } from '../benchmark.js';
import { collect, query, sse } from '../../test/support/graphql-client.js';
import { startInstance, TOKENS } from '../../test/support/hostgraph-instance.js';
import { withDeadline } from '../support/deadline.js';
import { percentile } from '../support/percentile.js';

const SITES = 50;
/** The embedded default's sim (every hypervisor operation takes 50 ms), and a sim that takes no time: Hostgraph's own cost. */
const SIM_LATENCIES_MS = [50, 0];
const WORKER_CONCURRENCY = 4;
const DEADLINE_SECONDS = 300;

const CREATE_SITE = 'mutation ($name: String!) { createSite(input: { name: $name, flavor: "small" }) { id } }';
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { type } }';
const TASK = 'query ($id: ID!) { task(id: $id) { state startedAt finishedAt } }';

interface Round {
  wallSeconds: number;
  sites: { ms: number; acceptMs: number; events: number; runMs: number }[];
}

/** 50 createSite at once on a fresh instance whose sim takes `latencyMs` per operation. */
async function round(latencyMs: number): Promise<Round> {
  const instance = await startInstance({
    settings: { hypervisor: { sim: { latencyMs, faults: {} } }, worker: { concurrency: WORKER_CONCURRENCY } },
  });
  try {
    const prefix = `bench-${Date.now().toString(36)}`;
    const started = performance.now();
    const sites = await withDeadline(
      Promise.all(
        Array.from({ length: SITES }, async (_, index) => {
          const sent = performance.now();
          const { createSite: task } = await query<{ createSite: { id: string } }>(instance.url, CREATE_SITE, { name: `${prefix}-${index}` }, TOKENS.admin);
          const accepted = performance.now();
          const events = await collect(sse(instance.url, EVENTS, { taskId: task.id }, TOKENS.admin));
          const done = performance.now();
          const { task: finished } = await query(instance.url, TASK, { id: task.id }, TOKENS.admin);
          return { ms: done - sent, acceptMs: accepted - sent, events: events.length, state: finished.state as string, runMs: Date.parse(finished.finishedAt) - Date.parse(finished.startedAt) };
        }),
      ),
      DEADLINE_SECONDS,
      `${SITES} createSite tasks finishing`,
    );
    const failed = sites.filter((site) => site.state !== 'SUCCEEDED');
    if (failed.length > 0) throw new Error(`${failed.length} of ${SITES} createSite tasks did not succeed (${failed.map((site) => site.state).join(', ')})`);
    return { wallSeconds: (performance.now() - started) / 1000, sites };
  } finally {
    await instance.close();
  }
}

/**
 * createSite end to end on the sim hypervisor and the sim provisioner, 50 at once through the
 * gateway, everything in one process (`npm start`'s topology, SQLite): from sending the mutation
 * to the task's last event, per site. Place, create, start, wait for SSH, provision.
 */
export const createSite: Benchmark = {
  name: 'create-site',
  description: `${SITES} concurrent createSite on sim (${WORKER_CONCURRENCY} task slots): mutation → last event`,
  async run() {
    const measurements = [];
    const details: Record<string, unknown> = { sites: SITES, workerConcurrency: WORKER_CONCURRENCY };
    for (const latencyMs of SIM_LATENCIES_MS) {
      const { wallSeconds, sites } = await round(latencyMs);
      const total = sites.map((site) => site.ms);
      const running = sites.map((site) => site.runMs);
      const sim = `sim ${latencyMs} ms/op`;
      measurements.push(
        { label: `${sim}: mutation → last event, p50`, value: Math.round(percentile(total, 50)), unit: 'ms' },
        { label: `${sim}: mutation → last event, p99`, value: Math.round(percentile(total, 99)), unit: 'ms' },
        { label: `${sim}: task running (started → finished), p50`, value: Math.round(percentile(running, 50)), unit: 'ms' },
        { label: `${sim}: task running (started → finished), p99`, value: Math.round(percentile(running, 99)), unit: 'ms' },
        { label: `${sim}: mutation answered (task queued), p99`, value: Math.round(percentile(sites.map((site) => site.acceptMs), 99)), unit: 'ms' },
        { label: `${sim}: all ${SITES} sites running, wall time`, value: Number(wallSeconds.toFixed(2)), unit: 's' },
      );
      details[`latency${latencyMs}ms`] = { eventsPerTask: percentile(sites.map((site) => site.events), 50), samples: sites.map((site) => Math.round(site.ms)) };
    }
    return { measurements, details };
  },
};
