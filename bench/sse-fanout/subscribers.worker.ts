import { parentPort, workerData } from 'node:worker_threads';
import { followSse } from './sse-subscription.js';
import type { Delivery, SubscribersReport, SubscribersSetup } from './subscriber-pool.js';

/**
 * Runs in a worker thread of the benchmark's process: the subscribers have an event loop of their
 * own, apart from the server's, yet read the same clock as the server that stamps each event.
 */
const EVENTS = `subscription ($taskId: ID!, $after: Int!) { taskEvents(taskId: $taskId, after: $after) { seq at type } }`;

const setup = workerData as SubscribersSetup;
const port = parentPort!;
const post = (report: SubscribersReport) => port.postMessage(report);
const deliveries = new Map<number, Delivery & { count: number }>();

type Response = { data?: { taskEvents?: { seq: number; at: string; type: string } }; errors?: unknown };

function receive(response: Response, receivedMs: number) {
  const event = response.data?.taskEvents;
  if (!event) throw new Error(`a subscriber got errors instead of an event: ${JSON.stringify(response.errors)}`);
  let delivery = deliveries.get(event.seq);
  if (!delivery) {
    delivery = { seq: event.seq, at: event.at, type: event.type, firstMs: receivedMs, lastMs: receivedMs, count: 0 };
    deliveries.set(event.seq, delivery);
  }
  delivery.count++;
  delivery.lastMs = receivedMs;
  if (delivery.count === setup.subscribers) {
    const { count: _, ...complete } = delivery;
    post({ kind: 'delivered', delivery: complete });
  }
}

const follow = () =>
  followSse({ url: setup.url, query: EVENTS, variables: { taskId: setup.taskId, after: setup.after }, token: setup.token, onNext: (data, receivedMs) => receive(data as Response, receivedMs) });

Promise.all(Array.from({ length: setup.subscribers }, follow)).then(
  () => post({ kind: 'finished' }),
  (error: unknown) => post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
);
