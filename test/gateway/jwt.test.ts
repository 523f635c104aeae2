import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, graphql } from '../support/graphql-client.js';
import { freePort } from '../support/free-port.js';
import { gatewayConfig, startFederation, TOKENS, type Federation } from './fixtures/federation.js';

const ISSUER = 'https://login.example.edu/realms/staff';
const AUDIENCE = 'hostgraph';
const WHO = '{ me myGroups myScopes amIAdmin }';

/** An identity provider's key endpoint, as Keycloak or Entra would serve it. */
async function startJwks(keys: object[]): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/certs`, server };
}

describe('JWTs from an OIDC identity provider', () => {
  let federation: Federation;
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  let key: CryptoKey;
  let otherKey: CryptoKey;

  const sign = (claims: JWTPayload, options: { key?: CryptoKey; kid?: string; expires?: string | number; issuer?: string; audience?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'key-1' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject('f6c1a2')
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '5m')
      .sign(options.key ?? key);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    ({ privateKey: otherKey } = await generateKeyPair('ES256'));
    jwks = await startJwks([{ ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' }]);
    federation = await startFederation({
      config: gatewayConfig({
        jwt: { issuer: ISSUER, jwksUrl: jwks.url, audience: AUDIENCE, usernameClaim: 'preferred_username', groupsClaim: 'groups' },
      }),
    });
  });
  afterAll(async () => {
    await federation?.close();
    await new Promise((resolve) => jwks?.server.close(resolve));
  });

  it('turns a valid token into a principal: username, groups, scopes, admin from an admin group', async () => {
    const token = await sign({ preferred_username: 'carol', groups: ['chemistry', 'hostgraph-admins'], scope: 'openid sites' });
    const { status, body } = await graphql(federation.gatewayUrl, WHO, {}, token);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: 'carol', myGroups: ['chemistry', 'hostgraph-admins'], myScopes: ['openid', 'sites'], amIAdmin: true } });
  });

  it('makes no admin of someone outside the admin groups', async () => {
    const token = await sign({ preferred_username: 'dave', groups: ['physics'] });
    expect((await graphql(federation.gatewayUrl, WHO, {}, token)).body.data).toEqual({ me: 'dave', myGroups: ['physics'], myScopes: [], amIAdmin: false });
  });

  it('still accepts dev tokens next to JWTs', async () => {
    expect((await graphql(federation.gatewayUrl, '{ me }', {}, TOKENS.alice)).body).toEqual({ data: { me: 'alice' } });
  });

  it('refuses an expired token with 401, saying so', async () => {
    const token = await sign({ preferred_username: 'carol' }, { expires: Math.floor(Date.now() / 1000) - 60 });
    const { status, body } = await graphql(federation.gatewayUrl, WHO, {}, token);
    expect(status).toBe(401);
    expect(errorCodes(body)).toEqual(['UNAUTHENTICATED']);
    expect(body.errors![0]!.message).toMatch(/expired at .*: sign in again/);
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    for (const token of [await sign({ preferred_username: 'mallory' }, { key: otherKey }), await sign({ preferred_username: 'mallory' }, { key: otherKey, kid: 'key-2' })]) {
      const { status, body } = await graphql(federation.gatewayUrl, WHO, {}, token);
      expect(status).toBe(401);
      expect(body.errors![0]!.message).toMatch(/signature matches no key of https:\/\/login\.example\.edu/);
    }
  });

  it('refuses a token for another audience or from another issuer', async () => {
    for (const token of [await sign({ preferred_username: 'carol' }, { audience: 'wiki' }), await sign({ preferred_username: 'carol' }, { issuer: 'https://evil.example' })]) {
      const { status, body } = await graphql(federation.gatewayUrl, WHO, {}, token);
      expect(status).toBe(401);
      expect(errorCodes(body)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('refuses a token that names nobody', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'key-1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(key);
    const { status, body } = await graphql(federation.gatewayUrl, WHO, {}, token);
    expect(status).toBe(401);
    expect(body.errors![0]!.message).toMatch(/no "preferred_username" claim/);
  });

  it('refuses a token that is not a JWT at all', async () => {
    const { status, body } = await graphql(federation.gatewayUrl, WHO, {}, 'eyJhbGciOi.broken');
    expect(status).toBe(401);
    expect(errorCodes(body)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('JWTs while the identity provider is out of reach', () => {
  let federation: Federation;
  beforeAll(async () => {
    const closedPort = await freePort();
    federation = await startFederation({
      config: gatewayConfig({
        jwt: { issuer: ISSUER, jwksUrl: `http://127.0.0.1:${closedPort}/certs`, audience: AUDIENCE, usernameClaim: 'preferred_username', groupsClaim: 'groups' },
      }),
    });
  });
  afterAll(() => federation?.close());

  it('answers 503, not 401: the token may be good', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ preferred_username: 'carol' }).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(privateKey);
    const { status, body } = await graphql(federation.gatewayUrl, WHO, {}, token);
    expect(status).toBe(503);
    expect(errorCodes(body)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(body.errors![0]!.message).toMatch(/keys of https:\/\/login\.example\.edu\/realms\/staff are out of reach/);
  });
});

describe('enriching the principal (the seam for groups from LDAP)', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation({
      enrichPrincipal: async (principal) => ({ ...principal, groups: [...principal.groups, 'from-ldap'] }),
    });
  });
  afterAll(() => federation?.close());

  it('adds what the hook says to the principal the subgraphs receive', async () => {
    expect((await graphql(federation.gatewayUrl, '{ myGroups }', {}, TOKENS.alice)).body).toEqual({ data: { myGroups: ['physics', 'from-ldap'] } });
  });
});
