import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, register } from 'prom-client';

/**
 * One Prometheus registry per process, as Prometheus scrapes processes: whichever HTTP server of
 * the process is asked (gateway, a subgraph, the worker's listener) shows all of it.
 */
let started = false;
function ensureDefaultMetrics() {
  if (started) return;
  started = true;
  collectDefaultMetrics({ prefix: 'hostgraph_' });
}

export async function sendMetrics(response: ServerResponse): Promise<void> {
  ensureDefaultMetrics();
  const text = await register.metrics();
  response.writeHead(200, { 'content-type': register.contentType });
  response.end(text);
}
