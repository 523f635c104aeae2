import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpServer } from '../net/http-server.js';
import type { Duplex } from 'node:stream';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { createHandler as createSseHandler } from 'graphql-sse/lib/use/http';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import { listen } from '../net/listen.js';
import { withLogContext } from '../observability/log-context.js';
import { graphqlMetrics, recordOperation } from '../observability/graphql-metrics.js';
import { sendMetrics } from '../observability/prometheus.js';
import { readBoundedBody } from './bounded-body.js';
import { inProcessExecutor } from './in-process-execution.js';
import type { InProcessSubgraphs } from './in-process-subgraphs.js';
import { PRINCIPAL_HEADER, verifyPrincipal, type Principal } from '../principal.js';
import { refusal, refuseUpgrade, sendJson } from './http-refusal.js';

export interface SubgraphServerOptions {
  name: string;
  schema: GraphQLSchema;
  host: string;
  port: number;
  principalSecret: string;
  /** The resolvers' context; `principal` is set on it whatever this returns. No request comes with a caller in this process. */
  createContext(principal: Principal | null, request?: IncomingMessage): object | Promise<object>;
  logger: Logger;
  /** Only the gateway can get this far, but `_entities` batches can be large. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Where this process's own callers find the subgraph without going over HTTP. */
  inProcess?: InProcessSubgraphs;
}

export interface SubgraphServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A resolver threw something that is not a GraphQLError: a bug, whose words are not for the caller. */
function isUnexpected(error: unknown): boolean {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  return !(original instanceof GraphQLError);
}

const INTERNAL_ERROR = { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };

const requestIdOf = (request: IncomingMessage) => {
  const id = request.headers['x-request-id'];
  return typeof id === 'string' && /^[\w.:-]{1,128}$/.test(id) ? id : undefined;
};

/** Every operation on /metrics (name, type, latency, error codes) and in the log, with the request id. */
function operationMetricsPlugin(server: string, log: Logger) {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors }: { operationName?: string | null; operation?: { operation: string }; errors?: readonly GraphQLError[] }) {
          const seconds = (performance.now() - started) / 1000;
          const errorCodes = (errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          recordOperation({ server, operation: operationName, type: operation?.operation ?? 'unknown', seconds, errorCodes });
          log.debug({ operationName: operationName ?? null, ms: Math.round(seconds * 1000), errors: errorCodes }, 'operation');
        },
      };
    },
  };
}

/** Closing twice (a test, then its cleanup) waits for the first close instead of failing. */
const once = (close: () => Promise<void>) => {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
};

/**
 * One HTTP server per subgraph. On /graphql: queries and mutations through Apollo Server;
 * subscriptions as GraphQL over SSE (what the gateway's HTTP transport sends, `Accept:
 * text/event-stream`) and over graphql-ws for processes that subscribe directly. Every request must
 * carry the gateway's signed principal; without it the answer is 401, so nobody goes around the gateway.
 */
export async function startSubgraphServer(options: SubgraphServerOptions): Promise<SubgraphServer> {
  const { schema, logger, principalSecret, name } = options;
  const log = logger.child({ subgraph: name });
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;

  /** The signed principal, or the reason the request is refused. */
  const authenticate = (request: IncomingMessage) => verifyPrincipal(request.headers[PRINCIPAL_HEADER] as string | undefined, principalSecret);
  const contextFor = async (principal: Principal | null, request?: IncomingMessage) => ({ ...(await options.createContext(principal, request)), principal });
  /** Same rule for every transport: errors a resolver means keep their words and code; bugs are masked. */
  const maskUnexpected = <T extends ExecutionResult>(result: T): T => {
    if (!result.errors?.some(isUnexpected)) return result;
    const errors = result.errors.map((error) => {
      if (!isUnexpected(error)) return error;
      log.error({ err: error.originalError ?? error, path: error.path }, 'unexpected error');
      return new GraphQLError(INTERNAL_ERROR.message, { path: error.path, nodes: error.nodes, extensions: INTERNAL_ERROR.extensions });
    });
    return { ...result, errors };
  };

  const apollo = new ApolloServer({
    schema,
    introspection: true,
    // The gateway is the only client and every request is signed; CSRF does not apply here.
    csrfPrevention: false,
    includeStacktraceInErrorResponses: false,
    logger: log,
    // Federation traces are for Apollo's usage reporting, which the Hive gateway does not ask for.
    plugins: [ApolloServerPluginInlineTraceDisabled(), operationMetricsPlugin(name, log)],
    formatError: (formatted: GraphQLFormattedError, error: unknown) => {
      if (!isUnexpected(error)) return formatted;
      log.error({ err: error instanceof GraphQLError ? (error.originalError ?? error) : error, path: formatted.path }, 'unexpected error');
      return { ...INTERNAL_ERROR, path: formatted.path, locations: formatted.locations };
    },
  });
  await apollo.start();

  // The principal checked on arrival, for the SSE and WebSocket handlers to build each operation's context from.
  const principals = new WeakMap<IncomingMessage, Principal | null>();
  const contextOf = (request: IncomingMessage) => contextFor(principals.get(request) ?? null, request) as Promise<Record<string, unknown>>;

  const executeInProcess = inProcessExecutor({ name, schema, log, contextFor, maskUnexpected });

  const sse = createSseHandler<Record<string, unknown>>({
    schema,
    context: (req) => contextOf(req.raw),
    onNext: (_ctx, _req, result) => maskUnexpected(result as ExecutionResult),
    onOperation: () => void graphqlMetrics.subscriptions.inc({ server: name }),
    onComplete: () => void graphqlMetrics.subscriptions.dec({ server: name }),
  });

  async function answerWithApollo(request: IncomingMessage, response: ServerResponse, url: URL, principal: Principal | null) {
    const body = request.method === 'POST' ? await readBoundedBody(request, maxBodyBytes) : Buffer.alloc(0);
    if (body === null) return sendJson(response, 413, refusal('PAYLOAD_TOO_LARGE', `Requests are limited to ${maxBodyBytes} bytes`));
    let parsed: unknown = undefined;
    if (body.length > 0) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(response, 400, refusal('BAD_REQUEST', 'The body is not JSON'));
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body: parsed },
      context: () => contextFor(principal, request),
    });
    for (const [key, value] of result.headers) response.setHeader(key, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') return response.end(result.body.string);
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  // The gateway's request id rides along, so these log lines join the gateway's for one request.
  const server = createHttpServer((request, response) => withLogContext({ requestId: requestIdOf(request) }, () => handle(request, response)));
  async function handle(request: IncomingMessage, response: ServerResponse) {
    try {
      const url = new URL(request.url ?? '/', 'http://subgraph');
      if (url.pathname === '/healthz') return sendJson(response, 200, JSON.stringify({ status: 'ok' }));
      if (url.pathname === '/metrics') return await sendMetrics(response);
      if (url.pathname !== '/graphql') return sendJson(response, 404, refusal('NOT_FOUND', 'Not found: the API is at /graphql'));
      const verified = authenticate(request);
      if (!verified.valid) {
        return sendJson(response, 401, refusal('UNAUTHENTICATED', `Call this subgraph through the gateway (${verified.reason})`));
      }
      if (request.headers.accept?.includes('text/event-stream')) {
        principals.set(request, verified.principal);
        return await sse(request, response);
      }
      await answerWithApollo(request, response, url, verified.principal);
    } catch (error) {
      log.error({ err: error }, 'request failed');
      if (!response.headersSent) sendJson(response, 500, refusal('INTERNAL_SERVER_ERROR', 'Internal server error'));
      else response.end();
    }
  }

  // graphql-ws: the principal is checked on the upgrade request, before any WebSocket exists.
  const wss = new WebSocketServer({ noServer: true });
  const wsServer = useServer(
    {
      schema,
      context: (ctx) => contextOf(ctx.extra.request),
      onNext: (_ctx, _id, _payload, _args, result) => maskUnexpected(result as ExecutionResult),
    },
    wss,
  );
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://subgraph');
    if (url.pathname !== '/graphql') return refuseUpgrade(socket, 404, refusal('NOT_FOUND', 'Not found: the API is at /graphql'));
    const verified = authenticate(request);
    if (!verified.valid) {
      return refuseUpgrade(socket, 401, refusal('UNAUTHENTICATED', `Call this subgraph through the gateway (${verified.reason})`));
    }
    principals.set(request, verified.principal);
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  const port = await listen(server, options.port, options.host);
  // A wildcard address is where it listens, not where anyone can reach it: name loopback instead.
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host === '::' ? '[::1]' : options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}/graphql`;
  const unregister = options.inProcess?.register(url, executeInProcess);
  return {
    url,
    port,
    close: once(async () => {
      unregister?.();
      await wsServer.dispose();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await apollo.stop();
    }),
  };
}
