import { performance } from 'node:perf_hooks';
import type { Benchmark } from '../benchmark.js';
import { query } from '../../test/support/graphql-client.js';
import { startInstance, TOKENS } from '../../test/support/hostgraph-instance.js';
import { withDeadline } from '../support/deadline.js';
import { percentile } from '../support/percentile.js';
import { HeldSimDriver, type HeldOperation } from './held-sim-driver.js';
import { requireOpenFiles } from './open-file-limit.js';
import { SubscriberPool, type Delivery } from './subscriber-pool.js';

const SUBSCRIBERS = 1000;
/**
 * Progress reports per held operation, as many as still make an event each: the runner records one
 * per 1% of the whole task, so a task of n steps allows just under 100/n reports per step.
 */
const reportsPerOperation = (steps: number) => Math.floor(100 / steps) - 2;
/** Quiet time between events, as a hypervisor's progress would leave. */
const PAUSE_MS = 25;
const CONNECT_SECONDS = 180;
const DELIVERY_SECONDS = 60;
const MAX_P99_MS = 100;

const CREATE_SITE = `mutation { createSite(input: { name: "fanout", flavor: "small" }) { id steps { name } } }`;
const LAST_SEQ = `query ($id: ID!) { task(id: $id) { lastSeq } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One task followed by 1,000 SSE subscribers through the gateway, everything in this process (the
 * in-process bus of `npm start`). The worker publishes an event when the held hypervisor reports
 * progress; each event is timed from its `at` stamp to its arrival at the last subscriber.
 */
export const sseFanout: Benchmark = {
  name: 'sse-fanout',
  description: `${SUBSCRIBERS} SSE subscribers of one task through the gateway: event stored → delivered to the last one`,
  async run() {
    requireOpenFiles(SUBSCRIBERS);
    const driver = new HeldSimDriver();
    const instance = await startInstance({ overrides: { driver } });
    let pool: SubscriberPool | null = null;
    try {
      const lastSeq = async (taskId: string) =>
        (await query<{ task: { lastSeq: number } }>(instance.url, LAST_SEQ, { id: taskId }, TOKENS.admin)).task.lastSeq;
      const { createSite } = await query<{ createSite: { id: string; steps: unknown[] } }>(instance.url, CREATE_SITE, {}, TOKENS.admin);
      const reports = reportsPerOperation(createSite.steps.length);
      const create = await withDeadline(driver.nextHeld(), DELIVERY_SECONDS, 'the worker starting create');
      const after = await lastSeq(createSite.id);

      const connecting = performance.now();
      pool = new SubscriberPool({ url: instance.url, token: TOKENS.admin, taskId: createSite.id, after, subscribers: SUBSCRIBERS });
      const subscribers = pool;
      // The first event doubles as a probe: a subscriber that has it follows the task live from here on.
      create.report(1 / (reports + 1));
      await withDeadline(subscribers.delivered(after + 1), CONNECT_SECONDS, `${SUBSCRIBERS} subscribers connecting`);
      const connectSeconds = (performance.now() - connecting) / 1000;
      const serverBusy = performance.eventLoopUtilization();
      const clientsBusy = subscribers.eventLoopUtilization();

      /** Reports progress one event at a time, each delivered everywhere before the next is published. */
      const paced = async (operation: HeldOperation, firstReport: number) => {
        let seq = await lastSeq(createSite.id);
        await withDeadline(subscribers.delivered(seq), DELIVERY_SECONDS, `delivery of event ${seq}`);
        for (let report = firstReport; report <= reports; report++) {
          operation.report(report / (reports + 1));
          seq++;
          await withDeadline(subscribers.delivered(seq), DELIVERY_SECONDS, `delivery of event ${seq}`);
          await sleep(PAUSE_MS);
        }
        operation.release();
      };
      await paced(create, 2);
      await paced(await withDeadline(driver.nextHeld(), DELIVERY_SECONDS, 'the worker starting start'), 1);
      const deliveries = await withDeadline(subscribers.finished(), DELIVERY_SECONDS, 'the task completing every stream');
      const serverUtilization = performance.eventLoopUtilization(serverBusy).utilization;
      const clientsUtilization = subscribers.eventLoopUtilization(clientsBusy).utilization;

      const timed = deliveries.filter((delivery) => delivery.seq > after + 1);
      const toLast = timed.map((delivery) => delivery.lastMs - Date.parse(delivery.at));
      const toFirst = timed.map((delivery) => delivery.firstMs - Date.parse(delivery.at));
      const spread = timed.map((delivery) => delivery.lastMs - delivery.firstMs);
      return {
        measurements: [
          { label: 'events timed', value: timed.length, unit: 'events' },
          { label: 'to last subscriber p50', value: percentile(toLast, 50), unit: 'ms' },
          { label: 'to last subscriber p99', value: percentile(toLast, 99), unit: 'ms', target: { kind: 'below', bound: MAX_P99_MS } },
          { label: 'to first subscriber p50', value: percentile(toFirst, 50), unit: 'ms' },
          { label: 'first → last subscriber p50', value: percentile(spread, 50), unit: 'ms' },
          { label: `connecting ${SUBSCRIBERS} subscribers`, value: connectSeconds, unit: 's' },
          // Which side set the pace: the thread of gateway, subgraph and worker, or the clients' thread.
          { label: 'server thread busy while timed', value: 100 * serverUtilization, unit: '%' },
          { label: 'subscriber thread busy while timed', value: 100 * clientsUtilization, unit: '%' },
        ],
        details: {
          subscribers: SUBSCRIBERS,
          pauseMs: PAUSE_MS,
          events: timed.map((delivery: Delivery, i) => ({ seq: delivery.seq, type: delivery.type, toFirstMs: toFirst[i], toLastMs: toLast[i] })),
        },
      };
    } finally {
      await pool?.close();
      driver.releaseAll();
      await instance.close();
    }
  },
};
