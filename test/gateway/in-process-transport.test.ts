import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, errorCodes, graphql, sse, ws } from '../support/graphql-client.js';
import { startFederation, TOKENS, type Federation } from './fixtures/federation.js';

const WIDGET_WITH_PRICE = '{ widget(id: "7") { id name price pricedFor next { name price } } me myGroups }';

/**
 * A gateway in the process that serves its subgraphs (`npm start`) executes them there: the
 * callers must not be able to tell, except by speed.
 */
describe('subgraphs served by the gateway’s own process', () => {
  let overHttp: Federation;
  let inProcess: Federation;
  beforeAll(async () => {
    [overHttp, inProcess] = await Promise.all([startFederation(), startFederation({ inProcess: true })]);
  });
  afterAll(async () => {
    await overHttp?.close();
    await inProcess?.close();
  });

  it('are executed in process, with the caller’s principal and the gateway’s request id', async () => {
    for (const [client, token, username] of [[sse, TOKENS.alice, 'alice'], [ws, TOKENS.root, 'root']] as const) {
      const events = await collect(client(inProcess.gatewayUrl, 'subscription { delivery { transport requestId username } }', {}, token));
      expect(events).toEqual([{ data: { delivery: { transport: 'in process', requestId: expect.stringMatching(/^[0-9a-f-]{36}/), username } } }]);
    }
    const { body } = await graphql(inProcess.gatewayUrl, '{ requestId }', {}, TOKENS.alice);
    expect(body.data!.requestId).toMatch(/^[0-9a-f-]{36}/);
  });

  it('answer what the same subgraphs answer over HTTP: entities across subgraphs, for the same caller', async () => {
    for (const token of [TOKENS.alice, TOKENS.root]) {
      const [http, local] = await Promise.all([graphql(overHttp.gatewayUrl, WIDGET_WITH_PRICE, {}, token), graphql(inProcess.gatewayUrl, WIDGET_WITH_PRICE, {}, token)]);
      expect(local.body).toEqual(http.body);
      expect(local.body.data!.widget).toMatchObject({ name: expect.stringContaining('for'), price: 700 });
    }
  });

  it('keep a resolver’s coded error and mask a bug’s words, as over HTTP', async () => {
    const refused = await graphql(inProcess.gatewayUrl, 'mutation { renameWidget(id: "1", name: " ") { id } }', {}, TOKENS.alice);
    expect(errorCodes(refused.body)).toEqual(['BAD_USER_INPUT']);
    expect(refused.body.errors![0]!.message).toContain('A widget needs a name');
    const crashed = await graphql(inProcess.gatewayUrl, '{ crash }', {}, TOKENS.alice);
    expect(errorCodes(crashed.body)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(crashed.body)).not.toContain('hunter2');
    const overHttpCrash = await graphql(overHttp.gatewayUrl, '{ crash }', {}, TOKENS.alice);
    expect(crashed.body).toEqual(overHttpCrash.body);
  });

  it('stream subscriptions to the end, one shared subgraph stream for identical ones', async () => {
    const TICKS = 'subscription { widgetTicks(count: 3) { id name price } }';
    const [first, second] = await Promise.all([collect(sse(inProcess.gatewayUrl, TICKS, {}, TOKENS.alice)), collect(ws(inProcess.gatewayUrl, TICKS, {}, TOKENS.alice))]);
    const expected = ['1', '2', '3'].map((id) => ({ data: { widgetTicks: { id, name: `widget ${id} for alice`, price: Number(id) * 100 } } }));
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
  });
});
