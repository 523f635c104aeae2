import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSubgraphServer } from '../../core/graphql/subgraph-server.js';
import { PRINCIPAL_HEADER, servicePrincipal, signPrincipal } from '../../core/principal.js';
import { collect } from '../support/graphql-client.js';
import { logger } from './fixtures/federation.js';
import { buildWidgetSchema, startWidgetSubgraph } from './fixtures/widget-subgraph.js';

const SECRET = 'subgraph-test-secret';

/** What a caller who goes around the gateway would send. */
const post = (url: string, headers: Record<string, string>, query = '{ me }') =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

const upgradeStatus = (url: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.on('error', reject);
  });

describe('a subgraph called directly', () => {
  let subgraph: Awaited<ReturnType<typeof startWidgetSubgraph>>;
  beforeAll(async () => {
    subgraph = await startWidgetSubgraph({ principalSecret: SECRET, logger });
  });
  afterAll(() => subgraph?.close());

  const refusals = () => ({
    'no signature': {},
    'a forged signature': { [PRINCIPAL_HEADER]: signPrincipal(servicePrincipal('intruder'), 'not-the-secret') },
    'an expired signature': { [PRINCIPAL_HEADER]: signPrincipal(servicePrincipal('replayed'), SECRET, Date.now() - 3_600_000) },
    'garbage': { [PRINCIPAL_HEADER]: 'garbage' },
  });

  it('listens on the ephemeral port it reports', () => {
    expect(subgraph.port).toBeGreaterThan(0);
    expect(subgraph.url).toBe(`http://127.0.0.1:${subgraph.port}/graphql`);
  });

  it.each(Object.entries(refusals()))('refuses a query with %s: 401 UNAUTHENTICATED', async (_case, headers) => {
    const response = await post(subgraph.url, headers);
    expect(response.status).toBe(401);
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0].message).toMatch(/through the gateway/);
  });

  it.each(Object.entries(refusals()))('refuses an SSE subscription with %s: 401', async (_case, headers) => {
    const response = await post(subgraph.url, { accept: 'text/event-stream', ...headers }, 'subscription { widgetMade { id } }');
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it.each(Object.entries(refusals()))('refuses a GET query with %s: 401', async (_case, headers) => {
    const response = await fetch(`${subgraph.url}?query=${encodeURIComponent('{ me }')}`, { headers });
    expect(response.status).toBe(401);
  });

  it.each(Object.entries(refusals()))('refuses a WebSocket upgrade with %s: 401', async (_case, headers) => {
    expect(await upgradeStatus(subgraph.url, headers)).toBe(401);
  });

  it('answers a query signed with the shared secret, with that principal in its context', async () => {
    const response = await post(subgraph.url, { [PRINCIPAL_HEADER]: signPrincipal(servicePrincipal('worker'), SECRET) });
    expect(await response.json()).toEqual({ data: { me: 'service:worker' } });
  });

  it('streams a signed graphql-ws subscription, for processes that subscribe directly', async () => {
    const client = createClient({
      url: subgraph.url.replace(/^http/, 'ws'),
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers: { [PRINCIPAL_HEADER]: signPrincipal(servicePrincipal('worker'), SECRET) } });
        }
      },
      retryAttempts: 0,
    });
    try {
      const events = await collect(client.iterate({ query: 'subscription { widgetMade { id name } }' }));
      expect(events.map((event) => (event.data as any).widgetMade.name)).toEqual(['widget 1 for service:worker', 'widget 2 for service:worker', 'widget 3 for service:worker']);
    } finally {
      await client.dispose();
    }
  });

  it('masks an unexpected error over SSE too', async () => {
    const response = await post(subgraph.url, { accept: 'text/event-stream', [PRINCIPAL_HEADER]: signPrincipal(null, SECRET) }, '{ crash }');
    const text = await response.text();
    expect(text).toContain('INTERNAL_SERVER_ERROR');
    expect(text).not.toContain('hunter2');
  });

  it('answers /healthz without a signature', async () => {
    const response = await fetch(new URL('/healthz', subgraph.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('a subgraph with a small body limit', () => {
  it('refuses a larger body with 413 and keeps serving', async () => {
    const subgraph = await startSubgraphServer({
      name: 'small',
      schema: await buildWidgetSchema(),
      host: '127.0.0.1',
      port: 0,
      principalSecret: SECRET,
      createContext: () => ({ requestId: null, transport: 'unknown' }),
      logger,
      maxBodyBytes: 1024,
    });
    try {
      const signed = { [PRINCIPAL_HEADER]: signPrincipal(null, SECRET) };
      const tooLarge = await post(subgraph.url, signed, `{ me ${' '.repeat(2048)} }`);
      expect(tooLarge.status).toBe(413);
      expect((await tooLarge.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await (await post(subgraph.url, signed)).json()).toEqual({ data: { me: null } });
    } finally {
      await subgraph.close();
    }
  });
});
