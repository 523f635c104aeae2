import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig, startFederation, TOKENS, type Federation } from './fixtures/federation.js';

const endpoint = (federation: Federation, path: string) => new URL(path, federation.gatewayUrl);

describe('health, readiness and GraphiQL', () => {
  let federation: Federation;
  let databaseUp = true;
  beforeAll(async () => {
    federation = await startFederation({
      readiness: async () => ({ database: databaseUp ? { ok: true } : { ok: false, error: 'connection refused' } }),
    });
  });
  afterAll(() => federation?.close());

  it('listens on the ephemeral port it reports', () => {
    expect(federation.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(federation.gatewayUrl).not.toMatch(/:0\//);
  });

  it('answers /healthz', async () => {
    const response = await fetch(endpoint(federation, '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when its own checks and every subgraph are', async () => {
    const response = await fetch(endpoint(federation, '/readyz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      checks: { database: { ok: true }, 'subgraph:widgets': { ok: true }, 'subgraph:prices': { ok: true } },
    });
  });

  it('is not ready while a check of the caller fails', async () => {
    databaseUp = false;
    try {
      const response = await fetch(endpoint(federation, '/readyz'));
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body.status).toBe('unavailable');
      expect(body.checks.database).toEqual({ ok: false, error: 'connection refused' });
    } finally {
      databaseUp = true;
    }
  });

  it('serves GraphiQL to a browser, its headers editor holding a dev token', async () => {
    const response = await fetch(federation.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toMatch(/graphiql/i);
    expect(html).toContain(`Bearer ${TOKENS.root}`);
  });

  it('answers other paths with 404', async () => {
    const response = await fetch(endpoint(federation, '/nope'));
    expect(response.status).toBe(404);
    expect((await response.json()).errors[0].extensions.code).toBe('NOT_FOUND');
  });

  // Last: it stops a subgraph.
  it('is not ready, naming the subgraph, when a subgraph is down', async () => {
    await federation.prices.close();
    const response = await fetch(endpoint(federation, '/readyz'));
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.checks['subgraph:widgets']).toEqual({ ok: true });
    expect(body.checks['subgraph:prices'].ok).toBe(false);
    expect(body.checks['subgraph:prices'].error).toMatch(/healthz is unreachable \(ECONNREFUSED\)/);
  });
});

describe('GraphiQL without dev tokens', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation({ config: gatewayConfig({ devTokens: {} }) });
  });
  afterAll(() => federation?.close());

  it('starts with an empty headers editor', async () => {
    const html = await (await fetch(federation.gatewayUrl, { headers: { accept: 'text/html' } })).text();
    expect(html).toMatch(/graphiql/i);
    expect(html).not.toContain('Bearer');
  });
});
