import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/http';
import type { Logger } from '../logger.js';
import { PRINCIPAL_HEADER, verifyPrincipal, type Principal } from '../principal.js';

export interface SubgraphServerOptions {
  name: string;
  schema: GraphQLSchema;
  host: string;
  port: number;
  principalSecret: string;
  createContext(principal: Principal | null, request: IncomingMessage): object | Promise<object>;
  logger: Logger;
  maxBodyBytes?: number;
}

export interface SubgraphServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const refuse = (response: ServerResponse, status: number, code: string, message: string) =>
  sendJson(response, status, { errors: [{ message, extensions: { code } }] });

async function readBody(request: IncomingMessage, limit: number): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One HTTP server per subgraph: queries and mutations through Apollo Server, subscriptions as
 * GraphQL over SSE (what the gateway's HTTP transport sends). Every request must carry the
 * gateway's signed principal; without it the answer is 401, so nobody goes around the gateway.
 */
export async function startSubgraphServer(options: SubgraphServerOptions): Promise<SubgraphServer> {
  const { schema, logger, principalSecret } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const apollo = new ApolloServer({
    schema,
    introspection: true,
    // The gateway is the only client and every request is signed; CSRF does not apply here.
    csrfPrevention: false,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => {
      if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
        logger.error({ err: error, subgraph: options.name }, 'unexpected error');
        return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
      return formatted;
    },
  });
  await apollo.start();
  const contexts = new WeakMap<IncomingMessage, Promise<object>>();
  const sse = createHandler({ schema, context: (req) => contexts.get(req.raw)! as Promise<any> });

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://subgraph');
      if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
      if (url.pathname !== '/graphql') return refuse(response, 404, 'NOT_FOUND', 'Not found: use /graphql');
      const verified = verifyPrincipal(request.headers[PRINCIPAL_HEADER] as string | undefined, principalSecret);
      if (!verified.valid) return refuse(response, 401, 'UNAUTHENTICATED', `Go through the gateway (${verified.reason})`);
      const context = Promise.resolve(options.createContext(verified.principal, request));
      if (request.headers.accept?.includes('text/event-stream')) {
        contexts.set(request, context);
        return await sse(request, response);
      }
      const body = request.method === 'POST' ? await readBody(request, maxBodyBytes) : '';
      if (body === null) return refuse(response, 413, 'PAYLOAD_TOO_LARGE', `Requests are limited to ${maxBodyBytes} bytes`);
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      let parsed: unknown = undefined;
      if (body) {
        try {
          parsed = JSON.parse(body);
        } catch {
          return refuse(response, 400, 'BAD_REQUEST', 'The body is not JSON');
        }
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body: parsed },
        context: () => context as Promise<any>,
      });
      for (const [key, value] of result.headers) response.setHeader(key, value);
      response.statusCode = result.status ?? 200;
      if (result.body.kind === 'complete') return response.end(result.body.string);
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    } catch (error) {
      logger.error({ err: error, subgraph: options.name }, 'request failed');
      if (!response.headersSent) refuse(response, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${options.host}:${port}/graphql`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await apollo.stop();
    },
  };
}
