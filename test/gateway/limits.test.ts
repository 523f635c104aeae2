import { getIntrospectionQuery } from 'graphql';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, errorCodes, graphql, sse, ws } from '../support/graphql-client.js';
import { startFederation, TOKENS, type Federation } from './fixtures/federation.js';

const nested = (depth: number) => `{ widget(id: "1") ${'{ next '.repeat(depth - 2)}{ id }${' }'.repeat(depth - 2)} }`;

describe('what the gateway refuses from a hostile caller', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation();
  });
  afterAll(() => federation?.close());

  it('refuses a 1 MB query with 413 and a code, and keeps serving', async () => {
    const query = `{ me ${'# padding padding padding padding padding padding\n'.repeat(20_000)} }`;
    expect(query.length).toBeGreaterThan(1_000_000);
    const { status, body } = await graphql(federation.gatewayUrl, query, {}, TOKENS.alice);
    expect(status).toBe(413);
    expect(errorCodes(body)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect((await graphql(federation.gatewayUrl, '{ me }', {}, TOKENS.alice)).body).toEqual({ data: { me: 'alice' } });
  });

  it('refuses a too-large body that does not declare its length (chunked) the same way', async () => {
    const url = new URL(federation.gatewayUrl);
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body: text }));
        },
      );
      request.on('error', reject);
      request.write('{"query":"{ me ');
      for (let i = 0; i < 100; i++) request.write(' '.repeat(10_000));
      request.end('}"}');
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a query 50 fields deep with QUERY_TOO_DEEP, before any subgraph works on it', async () => {
    const { body } = await graphql(federation.gatewayUrl, nested(50), {}, TOKENS.alice);
    expect(errorCodes(body)).toEqual(['QUERY_TOO_DEEP']);
    expect(body.data).toBeUndefined();
  });

  it('refuses depth hidden in fragments too', async () => {
    const query = `{ widget(id: "1") { ...A } } fragment A on Widget { next { ...B } } fragment B on Widget { next { next { next { next { next { next { next { next { next { next { next { id } } } } } } } } } } } }`;
    expect(errorCodes((await graphql(federation.gatewayUrl, query, {}, TOKENS.alice)).body)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('answers a query at the depth limit', async () => {
    const { body } = await graphql(federation.gatewayUrl, nested(federation.config.gateway.maxDepth), {}, TOKENS.alice);
    expect(body.errors).toBeUndefined();
  });

  it('answers the full introspection query GraphiQL sends', async () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    const { body } = await graphql(federation.gatewayUrl, query, {}, TOKENS.alice);
    expect(body.errors).toBeUndefined();
    expect(body.data.__schema.types.some((type: { name: string }) => type.name === 'Widget')).toBe(true);
  });

  it('refuses introspection that nests types inside types', async () => {
    const query = `{ __schema { types { ${'fields { type { '.repeat(6)}name${' } }'.repeat(6)} } } }`;
    // graphql-js's own introspection guard refuses it as well.
    expect(errorCodes((await graphql(federation.gatewayUrl, query, {}, TOKENS.alice)).body)).toContain('QUERY_TOO_DEEP');
  });

  it('refuses a deep subscription over graphql-ws and over SSE alike', async () => {
    const deep = `subscription { widgetMade ${'{ next '.repeat(49)}{ id }${' }'.repeat(49)} }`;
    for (const transport of [ws, sse]) {
      const results = await collect(transport(federation.gatewayUrl, deep, {}, TOKENS.alice));
      expect(results.map(errorCodes)).toEqual([['QUERY_TOO_DEEP']]);
      expect(results[0]!.data).toBeUndefined();
    }
  });

  it('answers malformed GraphQL with 400 and GRAPHQL_PARSE_FAILED', async () => {
    const { status, body } = await graphql(federation.gatewayUrl, '{ me ', {}, TOKENS.alice);
    expect(status).toBe(400);
    expect(errorCodes(body)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(body.errors![0]!.message).toMatch(/Syntax Error/);
  });

  it('answers a query for a field that does not exist with GRAPHQL_VALIDATION_FAILED', async () => {
    const { body } = await graphql(federation.gatewayUrl, '{ nope }', {}, TOKENS.alice);
    expect(errorCodes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers a body that is not JSON with 400', async () => {
    const response = await fetch(federation.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toHaveLength(1);
  });

  it('answers an empty POST with 400 rather than waiting for a body', async () => {
    const response = await fetch(federation.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
  });

  it('closes a WebSocket that sends a message over the size limit', async () => {
    const code = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(federation.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('open', () => socket.send('x'.repeat(federation.config.gateway.maxQueryBytes + 1)));
      socket.on('close', (closeCode) => resolve(closeCode));
      socket.on('error', () => {});
      socket.on('unexpected-response', () => reject(new Error('the upgrade was refused')));
    });
    expect(code).toBe(1009);
  });
});
