import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getGraphQLWSOptions, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../core/logger.js';
import type { Principal } from '../core/principal.js';
import { AuthenticationError, authenticationRefusal, type Authenticate } from './authenticate.js';
import { refusal, refuseUpgrade } from '../core/graphql/http-refusal.js';

/** What the gateway's operations need in their context, whichever transport brought them. */
export interface CallerContext {
  principal: Principal | null;
  requestId: string;
}

export interface GraphQLWSOptions {
  server: Server;
  gateway: GatewayRuntime<CallerContext>;
  authenticate: Authenticate;
  /** Larger messages close the socket with 1009. */
  maxPayload: number;
  requestIdOf(request: IncomingMessage): string;
  logger: Logger;
}

/** A WebSocket close reason holds at most 123 bytes of UTF-8. */
function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/**
 * `ws` closes a socket whose message exceeds maxPayload with 1009 by itself, then emits 'error',
 * which graphql-ws reports on the console as an internal error. A caller sending too much is no
 * internal error: log it our way instead.
 */
function quietOversizedMessages(socket: WebSocket, log: (error: Error) => void) {
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    const error = args[0] as (Error & { code?: string }) | undefined;
    if (event === 'error' && error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      log(error);
      return true;
    }
    return emit(event, ...args);
  }) as WebSocket['emit'];
}

type WsExtra = { request: IncomingMessage; socket: WebSocket };

/**
 * graphql-ws on the gateway's /graphql, as DESIGN's pitfall says: the runtime's
 * getGraphQLWSOptions with `useServer`. A token in the Authorization header is checked at the
 * upgrade (a plain 401); browsers cannot set headers on a WebSocket, so a token in
 * `connectionParams.authorization` is checked at connection_init (close 4401 when refused).
 */
export function attachGraphQLWS({ server, gateway, authenticate, maxPayload, requestIdOf, logger }: GraphQLWSOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload });
  const headerPrincipals = new WeakMap<IncomingMessage, Principal | null>();
  const connectionPrincipals = new WeakMap<IncomingMessage, Principal | null>();
  const connections = new WeakMap<IncomingMessage, { requestId: string; operations: number }>();

  server.on('upgrade', async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const requestId = requestIdOf(request);
    connections.set(request, { requestId, operations: 0 });
    try {
      if ((request.url ?? '/').split('?')[0] !== '/graphql') {
        return refuseUpgrade(socket, 404, refusal('NOT_FOUND', 'Not found: the API is at /graphql'));
      }
      headerPrincipals.set(request, await authenticate(request.headers.authorization));
    } catch (error) {
      const refused = authenticationRefusal(error);
      if (!refused) logger.error({ err: error, requestId }, 'WebSocket upgrade failed');
      else logger.info({ requestId, reason: refused.message }, 'caller refused');
      return refuseUpgrade(socket, refused?.status ?? 500, refusal(refused?.code ?? 'INTERNAL_SERVER_ERROR', refused?.message ?? 'Internal server error'));
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      logger.info({ requestId, path: '/graphql', upgrade: 'websocket' }, 'WebSocket connected');
      ws.once('close', (code) => logger.info({ requestId, code }, 'WebSocket closed'));
      quietOversizedMessages(ws, (error) => logger.info({ requestId, reason: error.message }, 'WebSocket message refused'));
      wss.emit('connection', ws, request);
    });
  });

  const runtimeOptions = getGraphQLWSOptions<CallerContext, WsExtra>(gateway, (ctx) => {
    // One id per operation, after the connection's, so the logs tell operations apart and still
    // show which connection each came from.
    const connection = connections.get(ctx.extra.request);
    const requestId = connection ? `${connection.requestId}.${++connection.operations}` : randomUUID();
    return {
      req: ctx.extra.request,
      socket: ctx.extra.socket,
      principal: connectionPrincipals.get(ctx.extra.request) ?? null,
      requestId,
      // The runtime forwards headers to subgraphs only for operations that have a request. POST:
      // on a GET request the runtime refuses mutations ("only from a POST request"), as over HTTP.
      request: new Request('http://gateway/graphql', { method: 'POST', headers: { 'x-request-id': requestId } }),
    } satisfies CallerContext & Record<string, unknown>;
  });

  const wsServer = useServer<Record<string, unknown> | undefined, WsExtra>(
    {
      ...runtimeOptions,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const authorization = params.authorization ?? params.Authorization;
        if (authorization === undefined || authorization === null || authorization === '') {
          connectionPrincipals.set(ctx.extra.request, headerPrincipals.get(ctx.extra.request) ?? null);
          return true;
        }
        try {
          if (typeof authorization !== 'string') throw new AuthenticationError('connectionParams.authorization must be a string: "Bearer <token>"');
          // Some clients put the bare token there; the header form is accepted too.
          connectionPrincipals.set(ctx.extra.request, await authenticate(/^bearer\s/i.test(authorization) ? authorization : `Bearer ${authorization}`));
          return true;
        } catch (error) {
          const refused = authenticationRefusal(error);
          if (!refused) throw error;
          // 4401 is what graphql-ws clients read as "unauthenticated".
          ctx.extra.socket.close(refused.status === 401 ? 4401 : CloseCode.InternalServerError, closeReason(refused.message));
          return false;
        }
      },
    },
    wss,
  );

  return { close: () => wsServer.dispose() };
}
