import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../core/config.js';
import type { GatewayRoute } from '../gateway-server.js';

const read = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
const isLoopback = (host: string) => ['127.0.0.1', 'localhost', '::1'].includes(host);

/**
 * /dashboard: one HTML page and its script, no build step. It signs in with a token typed into it;
 * on loopback the dev token is filled in, as in GraphiQL (a page anyone can load must not hand one out).
 */
export function dashboardRoutes(config: Config): Record<string, GatewayRoute> {
  const tokens = Object.entries(config.devTokens);
  const devToken = isLoopback(config.gateway.host) ? (tokens.find(([, user]) => user.admin) ?? tokens[0])?.[0] : undefined;
  const settings = JSON.stringify({ devToken, keyMetric: config.metrics.dashboardMetric }).replace(/</g, '\\u003c');
  const html = read('./dashboard.html').replace('<script src="/dashboard/dashboard.js">', `<script>window.HOSTGRAPH_DASHBOARD = ${settings};</script>\n<script src="/dashboard/dashboard.js">`);
  const script = read('./dashboard.js');
  const send = (type: string, body: string) => async (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-cache' });
    response.end(body);
  };
  return { '/dashboard': send('text/html', html), '/dashboard/dashboard.js': send('text/javascript', script) };
}
