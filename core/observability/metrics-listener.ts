import { createHttpServer } from '../net/http-server.js';
import type { Logger } from '../logger.js';
import { listen } from '../net/listen.js';
import { sendMetrics } from './prometheus.js';

/** /metrics (and /healthz) for a process whose roles have no HTTP server of their own: workers, schedulers. */
export async function startMetricsListener(host: string, port: number, logger: Logger): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') return void sendMetrics(response).catch(() => response.end());
    if (path === '/healthz') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    response.writeHead(404).end();
  });
  const bound = await listen(server, port, host);
  logger.info({ host, port: bound }, 'Prometheus metrics at /metrics');
  return {
    port: bound,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
