import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../../core/config.js';
import { promValue } from '../metrics/metrics-fixture.js';
import { obliterate } from '../support/bullmq.js';
import { eventually } from '../support/eventually.js';
import { collect, sse } from '../support/graphql-client.js';
import { prepareInstance, TOKENS } from '../support/hostgraph-instance.js';
import { startRoleProcess, waitForRole, type RoleProcess } from './role-process.js';

const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { seq type } }';

/**
 * The roles in three processes, as deployed: the gateway, the subgraphs (with the scheduler), a
 * worker. One createSite is followed through all three logs by its ids, and each process's
 * /metrics counts what it did.
 */
describe('one createSite through the gateway, a subgraph and a worker', () => {
  let gateway: RoleProcess, subgraphs: RoleProcess, worker: RoleProcess;
  let env: Record<string, string>;
  let dir: string;
  let url: string;
  let config: Awaited<ReturnType<typeof prepareInstance>>['config'];

  beforeAll(async () => {
    ({ env, dir, config } = await prepareInstance({ redisUrl: inject('redisUrl') }));
    env.LOG_LEVEL = 'info';
    url = `http://127.0.0.1:${config.gateway.port}/graphql`;
    subgraphs = startRoleProcess([...SUBGRAPH_NAMES, 'scheduler'], env);
    worker = startRoleProcess(['worker'], env);
    for (const name of SUBGRAPH_NAMES) await waitForRole(subgraphs, config.subgraphs[name].url.replace(/graphql$/, 'healthz'));
    gateway = startRoleProcess(['gateway'], env);
    await waitForRole(gateway, url.replace(/graphql$/, 'readyz'));
    await waitForRole(worker, `http://127.0.0.1:${config.observability.workerMetricsPort}/metrics`);
    // Three processes load the whole program: slow on a busy machine.
  }, 240_000);
  afterAll(async () => {
    for (const process of [gateway, worker, subgraphs]) await process?.stop();
    if (env) await obliterate(inject('redisUrl'), env.HOSTGRAPH_QUEUE!);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one request id from the gateway to hosting, and one task id from hosting to the worker', async () => {
    const requestId = `trace-${Math.random().toString(36).slice(2)}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.alice}`, 'x-request-id': requestId },
      body: JSON.stringify({ query: 'mutation CreateBlog { createSite(input: { name: "traced", flavor: "small" }) { id } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const taskId = (await response.json()).data.createSite.id;
    const events = await collect(sse(url, EVENTS, { taskId }, TOKENS.alice));
    expect(events.at(-1)!.data.taskEvents.type).toBe('TASK_SUCCEEDED');

    await eventually(() => {
      const atGateway = gateway.logs().filter((line) => line.requestId === requestId);
      expect(atGateway).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'request', path: '/graphql', user: 'alice', status: 200 })]));
      // hosting queued the task inside the gateway's request: the line that joins the two ids.
      const queued = subgraphs.logs().find((line) => line.msg === 'task queued' && line.taskId === taskId);
      expect(queued).toMatchObject({ requestId, kind: 'createSite', subgraph: 'hosting' });
      const atWorker = worker.logs().filter((line) => line.taskId === taskId);
      expect(atWorker.map((line) => line.msg)).toEqual(expect.arrayContaining(['task attempt started', 'task attempt ended']));
      expect(atWorker.find((line) => line.msg === 'task attempt ended')).toMatchObject({ outcome: 'SUCCEEDED', kind: 'createSite' });
    });
  });

  it("counts operations, errors, subscriptions, tasks, the queue and driver calls on each process's /metrics", async () => {
    const scrape = async (address: string) => (await fetch(address)).text();
    const gatewayMetrics = url.replace(/graphql$/, 'metrics');
    const hostingMetrics = config.subgraphs.hosting.url.replace(/graphql$/, 'metrics');
    const workerMetrics = `http://127.0.0.1:${config.observability.workerMetricsPort}/metrics`;

    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.alice}` },
      body: JSON.stringify({ query: 'mutation BadFlavor { createSite(input: { name: "nope", flavor: "huge" }) { id } }' }),
    });
    const atGateway = await scrape(gatewayMetrics);
    expect(promValue(atGateway, 'hostgraph_graphql_operation_seconds_count', { server: 'gateway', operation: 'CreateBlog', type: 'mutation' })).toBe(1);
    expect(promValue(atGateway, 'hostgraph_graphql_errors_total', { server: 'gateway', operation: 'BadFlavor', code: 'BAD_USER_INPUT' })).toBe(1);
    expect(promValue(await scrape(hostingMetrics), 'hostgraph_graphql_errors_total', { server: 'hosting', code: 'BAD_USER_INPUT' })).toBe(1);

    // A subscription is counted while it is open, and no longer once the client has gone.
    const { createSite } = (await (await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.alice}` },
      body: JSON.stringify({ query: 'mutation { createSite(input: { name: "watched", flavor: "small" }) { siteId } }' }),
    })).json()).data;
    const abort = new AbortController();
    const updates = sse(url, 'subscription ($siteId: ID) { taskUpdated(siteId: $siteId) { id } }', { siteId: createSite.siteId }, TOKENS.alice, abort.signal);
    const pending = updates.next().catch(() => null);
    await eventually(async () => expect(promValue(await scrape(gatewayMetrics), 'hostgraph_graphql_subscriptions', { server: 'gateway' })).toBe(1));
    abort.abort();
    await pending;
    await eventually(async () => expect(promValue(await scrape(gatewayMetrics), 'hostgraph_graphql_subscriptions', { server: 'gateway' })).toBe(0));

    const atWorker = await scrape(workerMetrics);
    expect(promValue(atWorker, 'hostgraph_tasks_total', { kind: 'createSite', outcome: 'SUCCEEDED' })).toBeGreaterThanOrEqual(1);
    expect(promValue(atWorker, 'hostgraph_task_attempt_seconds_count', { kind: 'createSite', outcome: 'SUCCEEDED' })).toBeGreaterThanOrEqual(1);
    expect(promValue(atWorker, 'hostgraph_driver_calls_total', { driver: 'sim', operation: 'create', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(atWorker).toMatch(new RegExp(`hostgraph_queue_depth\\{queue="${env.HOSTGRAPH_QUEUE}"\\} \\d+`));
    expect(atWorker).toMatch(/hostgraph_process_resident_memory_bytes \d+/);
  });
});
