import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createGatewayRuntime, getGraphQLWSOptions } from '@graphql-hive/gateway-runtime';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../core/principal.js';
import { AuthenticationError, createAuthenticator } from './authenticate.js';
import { depthLimit } from './depth-limit.js';

export type ReadinessChecks = Record<string, { ok: boolean; error?: string }>;

export interface GatewayOptions {
  config: Config;
  supergraphSdl: string;
  logger: Logger;
  /** The process's own dependencies (database, queue); each subgraph's health is added here. */
  readiness: () => Promise<ReadinessChecks>;
}

export interface GatewayServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const DEFAULT_QUERY = `# Welcome to Hostgraph. Sites you may manage, and how their tasks went:
query MySites {
  sites(first: 10) {
    totalCount
    edges { node { id name state flavor { name } } }
  }
}
`;

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const refuse = (response: ServerResponse, status: number, code: string, message: string) =>
  sendJson(response, status, { errors: [{ message, extensions: { code } }] });

/**
 * The one API: the Hive Gateway runtime serving the composed supergraph over HTTP (POST, GET),
 * GraphQL over SSE and graphql-ws on /graphql. Callers are authenticated here; subgraphs only
 * trust the principal this process signs.
 */
export async function startGateway({ config, supergraphSdl, logger, readiness }: GatewayOptions): Promise<GatewayServer> {
  const authenticate = createAuthenticator(config);
  const principals = new WeakMap<IncomingMessage, Principal | null>();
  const devToken = Object.entries(config.devTokens).find(([, user]) => user.admin)?.[0];

  const gateway = createGatewayRuntime({
    supergraph: supergraphSdl,
    logging: false,
    graphiql: {
      title: 'Hostgraph',
      defaultQuery: DEFAULT_QUERY,
      // The embedded default prints its dev token; on loopback GraphiQL may as well start with it.
      ...(devToken && ['127.0.0.1', 'localhost', '::1'].includes(config.gateway.host)
        ? { headers: JSON.stringify({ Authorization: `Bearer ${devToken}` }) }
        : {}),
    },
    landingPage: false,
    transportEntries: {
      // Subscriptions reach the subgraphs as GraphQL over SSE, carrying the signed principal header.
      '*.http': { options: { subscriptions: { kind: 'http' } } } as any,
    },
    propagateHeaders: {
      fromClientToSubgraphs: ({ context }) => {
        const request = (context as any).req as IncomingMessage | undefined;
        const principal = (request && principals.get(request)) ?? (context as any).principal ?? null;
        return {
          [PRINCIPAL_HEADER]: signPrincipal(principal, config.principalSecret),
          'x-request-id': (request?.headers['x-request-id'] as string | undefined) ?? null,
        };
      },
    },
    plugins: () => [
      {
        onValidate({ addValidationRule }: { addValidationRule: (rule: ReturnType<typeof depthLimit>) => void }) {
          addValidationRule(depthLimit(config.gateway.maxDepth));
        },
      },
    ],
  });

  const subgraphUrls = Object.entries(config.subgraphs);
  const checkReadiness = async (): Promise<ReadinessChecks> => {
    const checks = await readiness();
    await Promise.all(
      subgraphUrls.map(async ([name, { url }]) => {
        const health = url.replace(/\/graphql$/, '/healthz');
        checks[`subgraph:${name}`] = await fetch(health, { signal: AbortSignal.timeout(2000) }).then(
          (response) => (response.ok ? { ok: true } : { ok: false, error: `HTTP ${response.status}` }),
          (error: Error) => ({ ok: false, error: error.message }),
        );
      }),
    );
    return checks;
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://gateway');
    const requestId = (request.headers['x-request-id'] as string | undefined) ?? randomUUID();
    request.headers['x-request-id'] = requestId;
    response.setHeader('x-request-id', requestId);
    try {
      if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
      if (url.pathname === '/readyz') {
        const checks = await checkReadiness();
        const ok = Object.values(checks).every((check) => check.ok);
        return sendJson(response, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks });
      }
      if (url.pathname !== '/graphql') return refuse(response, 404, 'NOT_FOUND', 'Not found: the API is at /graphql');
      if (request.method === 'POST') {
        const length = Number(request.headers['content-length'] ?? NaN);
        if (!Number.isFinite(length)) return refuse(response, 411, 'LENGTH_REQUIRED', 'Send a Content-Length header');
        if (length > config.gateway.maxQueryBytes) {
          return refuse(response, 413, 'PAYLOAD_TOO_LARGE', `Requests are limited to ${config.gateway.maxQueryBytes} bytes; this one has ${length}`);
        }
      }
      try {
        principals.set(request, await authenticate(request.headers.authorization));
      } catch (error) {
        if (error instanceof AuthenticationError) return refuse(response, 401, 'UNAUTHENTICATED', error.message);
        throw error;
      }
      logger.debug({ requestId, method: request.method, principal: principals.get(request)?.username }, 'request');
      await gateway(request, response);
    } catch (error) {
      logger.error({ err: error, requestId }, 'gateway request failed');
      if (!response.headersSent) refuse(response, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else response.end();
    }
  });

  const wss = new WebSocketServer({ server, path: '/graphql' });
  const wsOptions = getGraphQLWSOptions<Record<string, any>, { request: IncomingMessage; socket: unknown }>(gateway, (ctx) => ({
    req: ctx.extra.request,
    socket: ctx.extra.socket,
    // The runtime forwards headers to subgraphs only for operations that have a request.
    request: new Request('http://gateway/graphql'),
    principal: principals.get(ctx.extra.request) ?? null,
  }));
  const wsServer = useServer(
    {
      ...wsOptions,
      // Browsers cannot set headers on a WebSocket, so the token may come in connectionParams.
      onConnect: async (ctx: { connectionParams?: unknown; extra: { request: IncomingMessage } }) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const authorization = (params.authorization ?? params.Authorization ?? ctx.extra.request.headers.authorization) as string | undefined;
        try {
          principals.set(ctx.extra.request, await authenticate(authorization));
          return true;
        } catch {
          return false;
        }
      },
    },
    wss,
  );

  await new Promise<void>((resolve) => server.listen(config.gateway.port, config.gateway.host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${config.gateway.host}:${port}/graphql`,
    port,
    async close() {
      await wsServer.dispose();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.dispose();
    },
  };
}
