import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, query, sse, ws } from '../support/graphql-client.js';
import { startFederation, TOKENS, type Federation } from './fixtures/federation.js';

const WIDGETS_MADE = 'subscription { widgetMade { id name price pricedFor } }';

const expectedEvents = (username: string) =>
  ['1', '2', '3'].map((id) => ({ data: { widgetMade: { id, name: `widget ${id} for ${username}`, price: Number(id) * 100, pricedFor: username } } }));

describe('subscriptions through the gateway', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation();
  });
  afterAll(() => federation?.close());

  it('streams over SSE until the subgraph completes, entities resolved in the other subgraph for the same caller', async () => {
    const events = await collect(sse(federation.gatewayUrl, WIDGETS_MADE, {}, TOKENS.alice));
    expect(events).toEqual(expectedEvents('alice'));
  });

  it('streams over graphql-ws with the token in connectionParams, as a browser must send it', async () => {
    const events = await collect(ws(federation.gatewayUrl, WIDGETS_MADE, {}, TOKENS.root));
    expect(events).toEqual(expectedEvents('root'));
  });

  it('takes the token of a graphql-ws client from the upgrade request’s Authorization header too', async () => {
    const client = createClient({
      url: federation.gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers: { authorization: `Bearer ${TOKENS.alice}` } });
        }
      },
      retryAttempts: 0,
    });
    try {
      expect(await collect(client.iterate({ query: WIDGETS_MADE }))).toEqual(expectedEvents('alice'));
    } finally {
      await client.dispose();
    }
  });

  it('reaches the subgraph as one SSE POST per subscription, carrying principal and request id, whatever the client used', async () => {
    const viaSse = await collect(sse(federation.gatewayUrl, 'subscription { delivery { transport requestId username } }', {}, TOKENS.alice));
    const viaWs = await collect(ws(federation.gatewayUrl, 'subscription { delivery { transport requestId username } }', {}, TOKENS.root));
    for (const [events, username] of [[viaSse, 'alice'], [viaWs, 'root']] as const) {
      expect(events).toEqual([{ data: { delivery: { transport: 'POST text/event-stream', requestId: expect.stringMatching(/^[0-9a-f-]{36}(\.1)?$/), username } } }]);
    }
  });

  it('serves identical subscriptions of one caller from one subgraph subscription, each getting every event', async () => {
    const TICKS = 'subscription { widgetTicks(count: 4) { id name } }';
    const count = async () => (await query(federation.gatewayUrl, '{ widgetTickSubscriptions }', {}, TOKENS.alice)).widgetTickSubscriptions as number;
    const before = await count();
    const [first, second, late, other] = await Promise.all([
      collect(sse(federation.gatewayUrl, TICKS, {}, TOKENS.alice)),
      collect(ws(federation.gatewayUrl, TICKS, {}, TOKENS.alice)),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => collect(sse(federation.gatewayUrl, TICKS, {}, TOKENS.alice))),
      collect(sse(federation.gatewayUrl, TICKS, {}, TOKENS.root)),
    ]);
    const names = (events: typeof first) => events.map((event) => event.data.widgetTicks);
    const expected = (username: string) => ['1', '2', '3', '4'].map((id) => ({ id, name: `widget ${id} for ${username}` }));
    expect(names(first)).toEqual(expected('alice'));
    expect(names(second)).toEqual(expected('alice'));
    // Joined after the first tick: the history comes first, in order.
    expect(names(late)).toEqual(expected('alice'));
    expect(names(other)).toEqual(expected('root'));
    expect((await count()) - before).toBe(2);
  });

  it('lets an anonymous subscriber through as anonymous', async () => {
    const events = await collect(ws(federation.gatewayUrl, 'subscription { widgetMade { id pricedFor } }', {}));
    expect(events.map((event) => event.data.widgetMade.pricedFor)).toEqual([null, null, null]);
  });

  it('closes a graphql-ws connection whose connectionParams carry a bad token with 4401', async () => {
    let closed!: (event: { code: number; reason: string }) => void;
    const closing = new Promise<{ code: number; reason: string }>((resolve) => (closed = resolve));
    const client = createClient({
      url: federation.gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: 'Bearer forged' },
      retryAttempts: 0,
      lazy: false,
      on: { closed: (event) => closed(event as { code: number; reason: string }) },
      onNonLazyError: () => {},
    });
    const event = await closing.finally(() => client.dispose());
    expect(event.code).toBe(4401);
    expect(event.reason).toMatch(/not one this API knows/);
  });

  it('refuses a WebSocket upgrade with a bad Authorization header with a plain 401', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(federation.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', {
        headers: { authorization: 'Bearer forged' },
      });
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.on('open', () => reject(new Error('the upgrade was accepted')));
      socket.on('error', () => {});
    });
    expect(status).toBe(401);
  });

  it('refuses an SSE subscription with a bad token with 401 before streaming', async () => {
    const response = await fetch(federation.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer forged' },
      body: JSON.stringify({ query: WIDGETS_MADE }),
    });
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
