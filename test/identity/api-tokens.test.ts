import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRoles, type Running } from '../../bin/start-roles.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { obliterate } from '../support/bullmq.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { DATABASES, directoryYaml, PEOPLE, syncDirectory, tokenOf, useIdentityInstance, type Person } from './identity-fixture.js';
import { storedRows } from './stored-rows.js';

const CREATE = `mutation ($name: String!, $scopes: [ApiTokenScope!]!, $expiresAt: DateTimeISO) {
  createApiToken(name: $name, scopes: $scopes, expiresAt: $expiresAt) { secret token { id name scopes prefix createdAt expiresAt lastUsedAt revokedAt } }
}`;

/**
 * API tokens end to end: two gateways share a Redis bus, as two replicas behind a load balancer
 * would. Both cache token checks and callers' facts for an hour, so only the bus can make the
 * second one forget a revoked token or a person who left.
 */
describe.each(DATABASES)('API tokens through two gateways on $name', ({ database }) => {
  // Registered first, so it runs last: the queue goes once the instance has stopped using it.
  afterAll(async () => {
    if (running.instance) await obliterate(inject('redisUrl'), running.instance.env.HOSTGRAPH_QUEUE!);
  });
  const running = useIdentityInstance(database, () => ({
    redisUrl: inject('redisUrl'),
    settings: { identity: { apiTokenCacheSeconds: 3600, principalCacheSeconds: 3600 } },
  }));
  let second: Running;
  let secondUrl: string;

  const createToken = async (person: Person | 'root', name: string, scopes: string[], expiresAt?: string) =>
    (await query(running.instance.url, CREATE, { name, scopes, expiresAt }, tokenOf(person))).createApiToken;
  const withSecret = (secret: string, text: string, variables: Record<string, unknown> = {}, url = running.instance.url) => graphql(url, text, variables, secret);

  beforeAll(async () => {
    const config = loadConfig({ ...running.instance.env, PORT: String(await freePort()) });
    second = await startRoles(config, ['gateway'], createLogger('error'));
    secondUrl = second.gatewayUrl!;
    await query(running.instance.url, 'mutation { createSite(input: { name: "alices-blog", flavor: "small" }) { id } }', {}, tokenOf('alice'));
  });
  afterAll(() => second?.close());

  it('shows the secret once and keeps only its SHA-256', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { secret, token } = await createToken('alice', 'deploy', ['SITES_READ', 'SITES_WRITE'], expiresAt);
    expect(secret).toMatch(/^hgt_[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({ name: 'deploy', scopes: ['SITES_READ', 'SITES_WRITE'], prefix: secret.slice(0, 12), expiresAt, lastUsedAt: null, revokedAt: null });

    const rows = await storedRows(running.instance, 'select * from identity_api_tokens where id = ?', [token.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    // Nothing else holds the secret or the part of it the prefix does not show.
    expect(JSON.stringify(rows)).not.toContain(secret.slice(12));

    // Listed without it; the API has no field that could show it again.
    const { apiTokens } = await query(running.instance.url, '{ apiTokens { id name scopes createdAt expiresAt lastUsedAt } }', {}, tokenOf('alice'));
    expect(apiTokens).toEqual([{ id: token.id, name: 'deploy', scopes: ['SITES_READ', 'SITES_WRITE'], createdAt: token.createdAt, expiresAt, lastUsedAt: null }]);
    const { body } = await graphql(running.instance.url, '{ apiTokens { secret } }', {}, tokenOf('alice'));
    expect(errorCodes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('acts as its owner through either gateway, and notes when it was last used', async () => {
    const { secret, token } = await createToken('alice', 'dashboard', ['SITES_READ', 'TASKS_READ']);
    for (const url of [running.instance.url, secondUrl]) {
      const { body } = await withSecret(secret, '{ me { username } sites { edges { node { name owner } } } }', {}, url);
      expect(body.data).toEqual({ me: { username: 'alice' }, sites: { edges: [{ node: { name: 'alices-blog', owner: 'alice' } }] } });
    }
    const { apiTokens } = await query(running.instance.url, '{ apiTokens { id createdAt lastUsedAt } }', {}, tokenOf('alice'));
    const listed = apiTokens.find((candidate: { id: string }) => candidate.id === token.id);
    expect(Date.parse(listed.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(listed.createdAt));
  });

  describe('scopes', () => {
    const SITE = '{ sites { totalCount } }';
    const TASKS = '{ tasks { totalCount } }';
    const CREATE_SITE = 'mutation ($name: String!) { createSite(input: { name: $name, flavor: "small" }) { id } }';
    const outcome = async (secret: string, text: string, variables: Record<string, unknown> = {}) => {
      const { body } = await withSecret(secret, text, variables);
      return body.errors ? `${errorCodes(body)[0]}: ${body.errors[0]!.message}` : 'OK';
    };

    it('sites:read reads sites and nothing else', async () => {
      const { secret } = await createToken('alice', 'reader', ['SITES_READ']);
      expect(await outcome(secret, SITE)).toBe('OK');
      expect(await outcome(secret, CREATE_SITE, { name: 'by-reader' })).toBe('FORBIDDEN: This API token lacks the sites:write scope; create a token that has it');
      expect(await outcome(secret, TASKS)).toBe('FORBIDDEN: This API token lacks the tasks:read scope; create a token that has it');
    });

    it('sites:write changes sites, reads them too, and reads no tasks', async () => {
      const { secret } = await createToken('alice', 'writer', ['SITES_WRITE']);
      expect(await outcome(secret, CREATE_SITE, { name: 'by-writer' })).toBe('OK');
      expect(await outcome(secret, SITE)).toBe('OK');
      expect(await outcome(secret, TASKS)).toBe('FORBIDDEN: This API token lacks the tasks:read scope; create a token that has it');
    });

    it('tasks:read reads tasks and nothing else', async () => {
      const { secret } = await createToken('alice', 'task watcher', ['TASKS_READ']);
      expect(await outcome(secret, TASKS)).toBe('OK');
      expect(await outcome(secret, SITE)).toBe('FORBIDDEN: This API token lacks the sites:read scope; create a token that has it');
      expect(await outcome(secret, CREATE_SITE, { name: 'by-watcher' })).toBe('FORBIDDEN: This API token lacks the sites:write scope; create a token that has it');
    });

    it('admin lets a platform admin’s token act as one; without it the token sees only its owner’s sites', async () => {
      const everything = await createToken('ivy', 'fleet report', ['ADMIN', 'SITES_READ']);
      const own = await createToken('ivy', 'own sites', ['SITES_READ']);
      const total = async (secret: string) => (await withSecret(secret, SITE)).body.data.sites.totalCount;
      const all = (await query(running.instance.url, SITE, {}, tokenOf('root'))).sites.totalCount;
      expect(all).toBeGreaterThan(0);
      expect(await total(everything.secret)).toBe(all);
      expect(await total(own.secret)).toBe(0);
      // A dev token's platform admin may make admin tokens too.
      expect(await total((await createToken('root', 'root report', ['ADMIN', 'SITES_READ'])).secret)).toBe(all);

      const { body } = await graphql(running.instance.url, CREATE, { name: 'grab', scopes: ['ADMIN'] }, tokenOf('alice'));
      expect(errorCodes(body)).toEqual(['FORBIDDEN']);
      expect(body.errors![0].message).toBe('Only platform admins may create tokens with the admin scope');
    });

    it('no token makes tokens or keys, whatever its scopes', async () => {
      const { secret } = await createToken('root', 'everything', ['ADMIN', 'SITES_READ', 'SITES_WRITE', 'TASKS_READ']);
      expect(await outcome(secret, CREATE, { name: 'child', scopes: ['SITES_READ'] })).toBe('FORBIDDEN: API tokens may not create API tokens; sign in as yourself to do it');
      expect(await outcome(secret, 'mutation { addSshKey(key: "ssh-ed25519 AAAA") { id } }')).toBe('FORBIDDEN: API tokens may not add SSH keys; sign in as yourself to do it');
    });
  });

  it('refuses an expired token, saying when it expired', async () => {
    const expiresAt = new Date(Date.now() + 2000);
    const { secret } = await createToken('alice', 'short-lived', ['SITES_READ'], expiresAt.toISOString());
    expect((await withSecret(secret, '{ me { username } }')).body.data.me.username).toBe('alice');
    const refused = await eventually(async () => {
      const { status, body } = await withSecret(secret, '{ me { username } }');
      expect(status).toBe(401);
      return body;
    });
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(refused.errors![0].message).toBe(`The API token "short-lived" expired at ${expiresAt.toISOString()}; create a new one`);
  });

  it('refuses a revoked token on the gateway that revoked it and, through the bus, on the other within seconds', async () => {
    const { secret, token } = await createToken('alice', 'ci', ['SITES_READ']);
    // Both gateways have checked it, and would trust their answer for an hour.
    for (const url of [running.instance.url, secondUrl]) expect((await withSecret(secret, '{ me { username } }', {}, url)).status).toBe(200);

    const { body: stranger } = await graphql(running.instance.url, 'mutation ($id: ID!) { revokeApiToken(id: $id) { id } }', { id: token.id }, tokenOf('bob'));
    expect(errorCodes(stranger)).toEqual(['NOT_FOUND']);
    expect((await withSecret(secret, '{ me { username } }', {}, secondUrl)).status).toBe(200);

    const { revokeApiToken } = await query(running.instance.url, 'mutation ($id: ID!) { revokeApiToken(id: $id) { revokedAt revokedReason } }', { id: token.id }, tokenOf('alice'));
    expect(revokeApiToken.revokedReason).toBe('revoked by its owner');
    const message = 'The API token "ci" was revoked (revoked by its owner); create a new one';
    const first = await withSecret(secret, '{ me { username } }');
    expect([first.status, first.body.errors?.[0]?.message]).toEqual([401, message]);
    const other = await eventually(
      async () => {
        const { status, body } = await withSecret(secret, '{ me { username } }', {}, secondUrl);
        expect(status).toBe(401);
        return body;
      },
      { timeoutMs: 5000 },
    );
    expect(other.errors![0].message).toBe(message);
  });

  it('refuses a token this API never issued', async () => {
    const { status, body } = await withSecret(`hgt_${randomBytes(32).toString('base64url')}`, '{ me { username } }');
    expect(status).toBe(401);
    expect(body.errors![0].message).toBe('The API token is not one this API knows: check that you copied all of it');
  });

  it('tells the other gateway through the bus that someone left, and their tokens go with them', async () => {
    const { secret } = await createToken('gina', 'gina script', ['SITES_READ']);
    for (const url of [running.instance.url, secondUrl]) {
      expect((await graphql(url, '{ me { username } }', {}, tokenOf('gina'))).status).toBe(200);
      expect((await withSecret(secret, '{ me { username } }', {}, url)).status).toBe(200);
    }
    writeFileSync(running.instance.directoryFile, directoryYaml(PEOPLE.filter((person) => person !== 'gina')));
    await syncDirectory(running.instance);
    await eventually(
      async () => {
        const person = await graphql(secondUrl, '{ me { username } }', {}, tokenOf('gina'));
        expect([person.status, person.body.errors?.[0]?.message]).toEqual([401, 'gina is no longer in the directory, so their access to Hostgraph has ended']);
        const script = await withSecret(secret, '{ me { username } }', {}, secondUrl);
        expect([script.status, script.body.errors?.[0]?.message]).toEqual([401, 'The API token "gina script" was revoked (its owner left the directory); create a new one']);
      },
      { timeoutMs: 5000 },
    );
  });

  it('keeps the dev tokens of the embedded default working', async () => {
    expect((await query(running.instance.url, '{ me { username } }', {}, tokenOf('alice'))).me.username).toBe('alice');
    expect((await query(secondUrl, '{ me { username platformAdmin } }', {}, tokenOf('root'))).me).toEqual({ username: 'root', platformAdmin: true });
  });
});
