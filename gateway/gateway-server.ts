import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpServer } from '../core/net/http-server.js';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { readBoundedBody } from '../core/graphql/bounded-body.js';
import { PRINCIPAL_HEADER, signPrincipal, type Principal } from '../core/principal.js';
import type { AuthenticateApiToken } from './api-token-authentication.js';
import { authenticationRefusal, createAuthenticator, type EnrichPrincipal } from './authenticate.js';
import { ansibleInventoryRoute, isAnsibleInventoryRequest } from './ansible-inventory-route.js';
import { mutationAuditPlugin, type RecordAudit } from './mutation-audit.js';
import { sharedSubscriptionsPlugin, type SharingPolicy } from './shared-subscriptions.js';
import { inProcessOrHttpTransport } from './in-process-transport.js';
import { sseResponsesPlugin } from './sse-responses.js';
import type { InProcessSubgraphs } from '../core/graphql/in-process-subgraphs.js';
import { depthLimit } from './depth-limit.js';
import { attachGraphQLWS, type CallerContext } from './graphql-ws-server.js';
import { checkSubgraph, subgraphsOf, type ReadinessChecks } from './readiness.js';
import { runtimeLogger } from './runtime-logger.js';
import { operationMetricsPlugin } from './operation-metrics.js';
import { withLogContext } from '../core/observability/log-context.js';
import { sendMetrics } from '../core/observability/prometheus.js';
import { refusal, sendJson } from '../core/graphql/http-refusal.js';

export type { ReadinessChecks };

export interface GatewayOptions {
  config: Config;
  supergraphSdl: string;
  logger: Logger;
  /** The process's own dependencies (database, queue); each subgraph's /healthz is checked as well. */
  readiness: () => Promise<ReadinessChecks>;
  /** Adds to a caller's principal what the token does not say: groups and standing from identity. */
  enrichPrincipal?: EnrichPrincipal;
  /** Checks API tokens with identity. */
  authenticateApiToken?: AuthenticateApiToken;
  /** Where every forwarded mutation is recorded. */
  recordAudit?: RecordAudit;
  /** Subscription fields whose identical subscriptions share one upstream stream (the subgraphs say which). */
  sharedSubscriptions?: SharingPolicy;
  /** Pages besides the API (/usage.csv, /dashboard), given the caller a bearer token names, if any. */
  routes?: Record<string, GatewayRoute>;
  /** Subgraphs served by this process, executed here rather than over HTTP. */
  inProcess?: InProcessSubgraphs;
}

export type GatewayRoute = (request: IncomingMessage, response: ServerResponse, principal: Principal | null) => Promise<void>;

export interface GatewayServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const REQUEST_ID_HEADER = 'x-request-id';

const DEFAULT_QUERY = `# Welcome to Hostgraph. Sites you may manage, and how their tasks went:
query MySites {
  sites(first: 10) {
    totalCount
    edges { node { id name state flavor { name } } }
  }
}
`;

/** A request id the caller chose is kept (so their logs and ours agree) if it looks like one. */
const requestIdOf = (request: IncomingMessage) => {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
};

const isLoopback = (host: string) => ['127.0.0.1', 'localhost', '::1'].includes(host);

/**
 * GraphiQL starts with a dev token in its headers editor, so the embedded default works in a
 * browser at once. Only on loopback: a page anyone can load must not hand out a token.
 */
function graphiqlOptions(config: Config) {
  const tokens = Object.entries(config.devTokens);
  const token = (tokens.find(([, user]) => user.admin) ?? tokens[0])?.[0];
  const headers = token && isLoopback(config.gateway.host) ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : undefined;
  return { title: 'Hostgraph', defaultQuery: DEFAULT_QUERY, ...(headers ? { headers, defaultHeaders: headers } : {}) };
}

/** Malformed GraphQL gets the code Apollo clients know, instead of a bare syntax error. */
const parseFailedPlugin = {
  onParse() {
    return ({ result, replaceParseResult }: { result: unknown; replaceParseResult(result: unknown): void }) => {
      if (result instanceof GraphQLError && !result.extensions?.code) {
        replaceParseResult(
          new GraphQLError(result.message, {
            source: result.source,
            positions: result.positions,
            extensions: { ...result.extensions, code: 'GRAPHQL_PARSE_FAILED' },
          }),
        );
      }
    };
  },
};

/**
 * Variables that do not fit their types are refused before anything runs, by graphql-js, without
 * a code: they get BAD_USER_INPUT, as Apollo Server gives them, so every refusal has one.
 */
const badVariablesPlugin = {
  onExecute() {
    return {
      onExecuteDone({ result, setResult }: { result: ExecutionResult | AsyncIterable<ExecutionResult>; setResult(result: ExecutionResult): void }) {
        if (Symbol.asyncIterator in result || result.data !== undefined || !result.errors?.length) return;
        if (result.errors.every((error) => error.path || error.extensions?.code)) return;
        const errors = result.errors.map((error) =>
          error.path || error.extensions?.code
            ? error
            : new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } }),
        );
        setResult({ ...result, errors });
      },
    };
  },
};

/** Closing twice (a test, then its cleanup) waits for the first close instead of failing. */
const once = (close: () => Promise<void>) => {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
};

/**
 * The one API: the Hive Gateway runtime serving the composed supergraph on /graphql over HTTP
 * (POST, GET), GraphQL over SSE and graphql-ws. Callers are authenticated here; subgraphs only
 * trust the principal this process signs, which rides on every subgraph request — subscriptions
 * included, since they reach the subgraphs as SSE requests with headers of their own. A subgraph
 * this process serves itself (`inProcess`) is executed here, handed the principal directly.
 */
export async function startGateway(options: GatewayOptions): Promise<GatewayServer> {
  const { config, supergraphSdl, logger, readiness, enrichPrincipal, authenticateApiToken, recordAudit, sharedSubscriptions = {}, routes = {}, inProcess } = options;
  const authenticate = createAuthenticator(config, { enrichPrincipal, authenticateApiToken });
  const { maxQueryBytes, maxDepth } = config.gateway;

  const gateway = createGatewayRuntime<CallerContext>({
    supergraph: supergraphSdl,
    logging: runtimeLogger(logger),
    graphiql: graphiqlOptions(config),
    landingPage: false,
    ...(inProcess ? { transports: { http: inProcessOrHttpTransport(inProcess) } } : {}),
    transportEntries: {
      // Subscriptions go to the subgraphs as GraphQL over SSE: one HTTP request per subscription,
      // so it carries its caller's signed principal like any query. (A shared graphql-ws
      // connection could only carry headers fixed in configuration.) POST, not the transport's
      // default GET: a long operation and its variables fit in a body, not in a URL or an access log.
      //
      // No deduplication of identical queries in flight: each carries its caller's request id and
      // a fresh signature, so none is ever identical, yet every answer would be cloned in case.
      '*.http': { options: { method: 'POST', subscriptions: { kind: 'http' }, deduplicateInflightRequests: false } },
    },
    propagateHeaders: {
      fromClientToSubgraphs: ({ context }) => ({
        [PRINCIPAL_HEADER]: signPrincipal(context.principal ?? null, config.principalSecret),
        [REQUEST_ID_HEADER]: context.requestId,
      }),
    },
    plugins: () => {
      const sharing = sharedSubscriptionsPlugin(sharedSubscriptions, (context) => (context as CallerContext).principal ?? null);
      return [
        sharing,
        sseResponsesPlugin((request) => sharing.directFeedOf(request)),
        parseFailedPlugin,
        operationMetricsPlugin(),
        badVariablesPlugin,
        {
          onValidate({ addValidationRule }: { addValidationRule: (rule: ReturnType<typeof depthLimit>) => void }) {
            addValidationRule(depthLimit(maxDepth));
          },
        },
        ...(recordAudit ? [mutationAuditPlugin(recordAudit, logger)] : []),
      ];
    },
  });

  const answerAnsibleInventory = ansibleInventoryRoute(gateway, supergraphSdl);
  const routed = subgraphsOf(supergraphSdl);
  const checkReadiness = async (): Promise<ReadinessChecks> => {
    const [own, subgraphs] = await Promise.all([
      readiness().catch((error: Error) => ({ readiness: { ok: false, error: error.message } }) as ReadinessChecks),
      Promise.all(routed.map(async (subgraph) => [`subgraph:${subgraph.name}`, await checkSubgraph(subgraph)] as const)),
    ]);
    return { ...own, ...Object.fromEntries(subgraphs) };
  };

  /** The caller's principal, or undefined once a refusal was sent. `log` is the request's log entry; the caller's name joins it. */
  async function callerOf(request: IncomingMessage, response: ServerResponse, requestId: string, log: Record<string, unknown>): Promise<Principal | null | undefined> {
    try {
      const principal = await authenticate(request.headers.authorization);
      log.user = principal?.username ?? null;
      return principal;
    } catch (error) {
      const refused = authenticationRefusal(error);
      if (!refused) throw error;
      logger.info({ requestId, reason: refused.message }, 'caller refused');
      sendJson(response, refused.status, refusal(refused.code, refused.message));
      return undefined;
    }
  }

  async function answerGraphQL(request: IncomingMessage, response: ServerResponse, requestId: string, log: Record<string, unknown>) {
    const principal = await callerOf(request, response, requestId, log);
    if (principal === undefined) return;
    if ((request.url?.length ?? 0) > maxQueryBytes) {
      return sendJson(response, 414, refusal('PAYLOAD_TOO_LARGE', `The URL is longer than ${maxQueryBytes} bytes: send the query in a POST body`));
    }
    if (request.method === 'POST') {
      const body = await readBoundedBody(request, maxQueryBytes);
      if (body === null) {
        return sendJson(response, 413, refusal('PAYLOAD_TOO_LARGE', `Requests are limited to ${maxQueryBytes} bytes: split the operation, or send variables instead of inline data`));
      }
      // The runtime reads an already-read body from `request.body` (as it does behind Express).
      (request as IncomingMessage & { body?: Buffer }).body = body;
    }
    const callerContext: CallerContext = { principal, requestId };
    await gateway(request, response, callerContext);
  }

  const server = createHttpServer((request, response) => {
    const requestId = requestIdOf(request);
    // The runtime reads the id from the request too, and logs with it; so do the subgraphs.
    request.headers[REQUEST_ID_HEADER] = requestId;
    return withLogContext({ requestId }, () => handle(request, response, requestId));
  });
  async function handle(request: IncomingMessage, response: ServerResponse, requestId: string) {
    const started = performance.now();
    response.setHeader(REQUEST_ID_HEADER, requestId);
    const path = (request.url ?? '/').split('?')[0];
    const log: Record<string, unknown> = { requestId, method: request.method, path };
    response.once('close', () => {
      // Probes come every few seconds: only a failing one is worth a line at info.
      const level = (path === '/healthz' || path === '/readyz') && response.statusCode < 400 ? 'debug' : 'info';
      logger[level]({ ...log, status: response.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    try {
      if (path === '/healthz') return sendJson(response, 200, JSON.stringify({ status: 'ok' }));
      if (path === '/readyz') {
        const checks = await checkReadiness();
        const ok = Object.values(checks).every((check) => check.ok);
        return sendJson(response, ok ? 200 : 503, JSON.stringify({ status: ok ? 'ok' : 'unavailable', checks }));
      }
      if (path === '/metrics') return await sendMetrics(response);
      const route = routes[path ?? ''];
      if (route) {
        const principal = await callerOf(request, response, requestId, log);
        if (principal !== undefined) await route(request, response, principal);
        return;
      }
      if (isAnsibleInventoryRequest(request, path)) {
        const principal = await callerOf(request, response, requestId, log);
        if (principal !== undefined) await answerAnsibleInventory(response, principal, requestId);
        return;
      }
      if (path !== '/graphql') return sendJson(response, 404, refusal('NOT_FOUND', 'Not found: the API is at /graphql'));
      await answerGraphQL(request, response, requestId, log);
    } catch (error) {
      logger.error({ err: error, requestId }, 'gateway request failed');
      if (!response.headersSent) sendJson(response, 500, refusal('INTERNAL_SERVER_ERROR', 'Internal server error'));
      else response.end();
    }
  }

  const websockets = attachGraphQLWS({ server, gateway, authenticate, maxPayload: maxQueryBytes, requestIdOf, logger });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.gateway.port, config.gateway.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  const host = config.gateway.host === '0.0.0.0' ? '127.0.0.1' : config.gateway.host === '::' ? '[::1]' : config.gateway.host.includes(':') ? `[${config.gateway.host}]` : config.gateway.host;
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    close: once(async () => {
      await websockets.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.dispose();
    }),
  };
}
