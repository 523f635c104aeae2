import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * Node closes an idle keep-alive connection after 5 s, while clients (the gateway's subgraph
 * fetches, fetch's pool, load balancers) may pick it for their next request at that very moment
 * and get ECONNRESET. Our servers keep idle connections for longer than those clients do.
 */
const KEEP_ALIVE_MS = 65_000;

export function createHttpServer(handler: RequestListener): Server {
  const server = createServer(handler);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // A request's headers must be allowed to arrive on a connection kept that long.
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  return server;
}
