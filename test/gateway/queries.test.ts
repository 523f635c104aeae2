import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, graphql } from '../support/graphql-client.js';
import { startFederation, TOKENS, type Federation } from './fixtures/federation.js';

describe('queries and mutations through the gateway', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation();
  });
  afterAll(() => federation?.close());

  it('answers a POST query, with the caller of a dev token reaching the subgraph', async () => {
    const { status, body } = await graphql(federation.gatewayUrl, '{ me myGroups amIAdmin }', {}, TOKENS.alice);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: 'alice', myGroups: ['physics'], amIAdmin: false } });
  });

  it('answers a GET query', async () => {
    const url = new URL(federation.gatewayUrl);
    url.searchParams.set('query', '{ me amIAdmin }');
    const response = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${TOKENS.root}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: 'root', amIAdmin: true } });
  });

  it('lets an anonymous caller through, and the subgraph knows it is anonymous', async () => {
    const { body } = await graphql(federation.gatewayUrl, '{ me }');
    expect(body).toEqual({ data: { me: null } });
  });

  it('resolves an entity across both subgraphs, the principal reaching each', async () => {
    const { body } = await graphql(federation.gatewayUrl, '{ widget(id: "7") { id name price pricedFor } }', {}, TOKENS.alice);
    expect(body).toEqual({ data: { widget: { id: '7', name: 'widget 7 for alice', price: 700, pricedFor: 'alice' } } });
  });

  it('keeps the code, message and extensions of an error the subgraph meant', async () => {
    const { body } = await graphql(federation.gatewayUrl, 'mutation { renameWidget(id: "1", name: " ") { id } }', {}, TOKENS.alice);
    expect(errorCodes(body)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors![0]!.message).toBe('A widget needs a name: give one that is not blank');
    expect(body.errors![0]!.extensions!.field).toBe('name');
  });

  it('masks an unexpected error, words and all', async () => {
    const { body } = await graphql(federation.gatewayUrl, '{ crash }', {}, TOKENS.alice);
    expect(errorCodes(body)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('passes the caller’s x-request-id to the subgraphs and answers with it', async () => {
    const response = await fetch(federation.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-42' },
      body: JSON.stringify({ query: '{ requestId }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-42');
    expect(await response.json()).toEqual({ data: { requestId: 'trace-42' } });
  });

  it('makes up a request id when the caller sends none', async () => {
    const response = await fetch(federation.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ requestId }' }),
    });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ data: { requestId: id } });
  });

  it('refuses a bearer token it does not know with 401 UNAUTHENTICATED', async () => {
    const { status, body } = await graphql(federation.gatewayUrl, '{ me }', {}, 'no-such-token');
    expect(status).toBe(401);
    expect(errorCodes(body)).toEqual(['UNAUTHENTICATED']);
    expect(body.errors![0]!.message).toMatch(/not one this API knows/);
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const response = await fetch(federation.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic YWxpY2U6c2VjcmV0' },
      body: JSON.stringify({ query: '{ me }' }),
    });
    expect(response.status).toBe(401);
    expect(errorCodes(await response.json())).toEqual(['UNAUTHENTICATED']);
  });
});
