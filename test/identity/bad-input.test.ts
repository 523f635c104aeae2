import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, query } from '../support/graphql-client.js';
import { DATABASES, directoryYaml, PEOPLE, syncDirectory, tokenOf, useIdentityInstance, type Person } from './identity-fixture.js';
import { createSiteAs, grant } from './site-grants.js';
import { openStoredRows } from './stored-rows.js';

const GRANT = 'mutation ($id: ID!, $role: SiteRole!, $user: String, $group: ID) { grantSiteAccess(siteId: $id, role: $role, user: $user, group: $group) { id } }';
const REVOKE = 'mutation ($id: ID!, $role: SiteRole!, $user: String, $group: ID) { revokeSiteAccess(siteId: $id, role: $role, user: $user, group: $group) { id } }';
const CREATE_TOKEN = 'mutation ($name: String!, $scopes: [ApiTokenScope!]!, $expiresAt: DateTimeISO) { createApiToken(name: $name, scopes: $scopes, expiresAt: $expiresAt) { secret } }';

/**
 * What a careless or hostile caller sends to identity gets a GraphQL error with a code and a
 * message a person can act on, and nothing is written: the suite compares identity's tables
 * before and after each refusal. (Malformed keys: ssh-keys.test.ts; expired, revoked and
 * out-of-scope tokens: api-tokens.test.ts; quotas: quotas.test.ts.)
 */
describe.each(DATABASES)('bad input to identity on $name', ({ database }) => {
  const running = useIdentityInstance(database);
  let siteId: string;
  let stored: Awaited<ReturnType<typeof openStoredRows>>;

  /** Every table a refused request might have written to. */
  const tables = async () => {
    const rows = await Promise.all(
      [
        'select * from identity_site_grants',
        'select * from identity_site_access_changes',
        // A token's use is noted in last_used_at; that is the only column a refusal may change.
        'select id, username, name, scopes, secret_hash, expires_at, revoked_at from identity_api_tokens',
        'select * from identity_ssh_keys',
        'select * from identity_quotas',
        'select * from identity_sites',
      ].map((sql) => stored.rows(sql)),
    );
    return JSON.stringify(rows);
  };
  /** The refusal, as `CODE: message`, checked to have written nothing. */
  const refusal = async (by: Person | 'root' | string, text: string, variables: Record<string, unknown> = {}) => {
    const before = await tables();
    const { body } = await graphql(running.instance.url, text, variables, by.startsWith('hgt_') ? by : tokenOf(by as Person));
    expect(body.errors, JSON.stringify(body.data)).toBeDefined();
    expect(await tables()).toBe(before);
    return `${body.errors![0]!.extensions?.code}: ${body.errors![0]!.message}`;
  };

  beforeAll(async () => {
    stored = await openStoredRows(running.instance);
    ({ siteId } = await createSiteAs(running.instance, 'alice', 'guarded'));
    await grant(running.instance, 'alice', siteId, 'SSH', { user: 'erin' });
    writeFileSync(running.instance.directoryFile, directoryYaml(PEOPLE.filter((person) => person !== 'hank')));
    await syncDirectory(running.instance);
  });
  afterAll(() => stored?.close());

  describe('grants', () => {
    it('to someone or some group the directory does not know', async () => {
      expect(await refusal('alice', GRANT, { id: siteId, role: 'ADMIN', user: 'nobody' })).toBe('NOT_FOUND: User nobody does not exist');
      expect(await refusal('alice', GRANT, { id: siteId, role: 'SSH', group: 'no-such-group' })).toBe('NOT_FOUND: Group no-such-group does not exist');
      expect(await refusal('alice', GRANT, { id: siteId, role: 'SSH', user: 'hank' })).toBe('BAD_USER_INPUT: hank has left the directory and can no longer be granted access');
    });

    it('naming both a person and a group, or neither', async () => {
      expect(await refusal('alice', GRANT, { id: siteId, role: 'SSH', user: 'bob', group: 'ops' })).toBe('BAD_USER_INPUT: Name either a user or a group, not both');
      expect(await refusal('alice', GRANT, { id: siteId, role: 'SSH' })).toBe('BAD_USER_INPUT: Name the user or the group to grant to');
    });

    it('by someone who does not administer the site, or on a site that does not exist', async () => {
      for (const person of ['erin', 'gina'] as const) {
        expect(await refusal(person, GRANT, { id: siteId, role: 'ADMIN', user: person })).toBe('FORBIDDEN: You may not change who has access to site guarded; ask one of its admins');
      }
      expect(await refusal('erin', REVOKE, { id: siteId, role: 'SSH', user: 'erin' })).toBe('FORBIDDEN: You may not change who has access to site guarded; ask one of its admins');
      const unknown = '6f1c0a3e-2b4d-4e5f-8a9b-0c1d2e3f4a5b';
      expect(await refusal('alice', GRANT, { id: unknown, role: 'SSH', user: 'bob' })).toBe(`NOT_FOUND: Site ${unknown} does not exist`);
      expect(await refusal('alice', GRANT, { id: 'guarded', role: 'SSH', user: 'bob' })).toBe('BAD_USER_INPUT: siteId "guarded" is not an id from this API');
      expect(await refusal('alice', GRANT, { id: siteId, role: 'OWNER', user: 'bob' })).toMatch(/^BAD_USER_INPUT: Variable "\$role" got invalid value "OWNER"/);
    });

    it('through a token without sites:write', async () => {
      const { createApiToken } = await query(running.instance.url, CREATE_TOKEN, { name: 'reader', scopes: ['SITES_READ'] }, tokenOf('alice'));
      expect(await refusal(createApiToken.secret, GRANT, { id: siteId, role: 'SSH', user: 'bob' })).toBe('FORBIDDEN: This API token lacks the sites:write scope; create a token that has it');
    });

    it('revoking what was never granted, or the last admin', async () => {
      expect(await refusal('alice', REVOKE, { id: siteId, role: 'ADMIN', user: 'erin' })).toBe('NOT_FOUND: erin is not an admin of site guarded');
      expect(await refusal('alice', REVOKE, { id: siteId, role: 'SUPPORTER', group: 'ops' })).toBe('NOT_FOUND: group ops is not a supporter of site guarded');
      expect(await refusal('alice', REVOKE, { id: siteId, role: 'ADMIN', user: 'alice' })).toBe('CONFLICT: alice is the last admin of site guarded; grant another admin first');
    });
  });

  describe('API tokens', () => {
    it.each([
      ['no name', { name: '  ', scopes: ['SITES_READ'] }, 'BAD_USER_INPUT: name must be 1–100 characters of plain text, so you can tell your tokens apart'],
      ['a name with a line break', { name: 'a\nb', scopes: ['SITES_READ'] }, 'BAD_USER_INPUT: name must be 1–100 characters of plain text, so you can tell your tokens apart'],
      ['no scope', { name: 'empty', scopes: [] }, 'BAD_USER_INPUT: Give the token at least one scope: sites:read, sites:write, tasks:read, admin'],
      ['an expiry in the past', { name: 'late', scopes: ['SITES_READ'], expiresAt: '2020-01-01T00:00:00.000Z' }, 'BAD_USER_INPUT: expiresAt 2020-01-01T00:00:00.000Z is in the past; choose a later time, or none for a token that does not expire'],
      ['the admin scope, for someone who is not a platform admin', { name: 'grab', scopes: ['ADMIN'] }, 'FORBIDDEN: Only platform admins may create tokens with the admin scope'],
      ['an unknown scope', { name: 'odd', scopes: ['EVERYTHING'] }, /^BAD_USER_INPUT: Variable "\$scopes" got invalid value "EVERYTHING"/],
    ])('refuses %s', async (_, variables, expected) => {
      const message = await refusal('alice', CREATE_TOKEN, variables);
      if (typeof expected === 'string') expect(message).toBe(expected);
      else expect(message).toMatch(expected);
    });

    it('refuses a second token of the same name, and revoking one that is not yours', async () => {
      await query(running.instance.url, CREATE_TOKEN, { name: 'deploy', scopes: ['SITES_WRITE'] }, tokenOf('alice'));
      expect(await refusal('alice', CREATE_TOKEN, { name: 'deploy', scopes: ['SITES_READ'] })).toBe('CONFLICT: You already have a token named "deploy"; revoke it or choose another name');
      const { apiTokens } = await query(running.instance.url, '{ apiTokens { id name } }', {}, tokenOf('alice'));
      const deploy = apiTokens.find((token: { name: string }) => token.name === 'deploy');
      expect(await refusal('bob', 'mutation ($id: ID!) { revokeApiToken(id: $id) { id } }', { id: deploy.id })).toBe(`NOT_FOUND: API token ${deploy.id} does not exist`);
      expect(await refusal('alice', 'mutation { revokeApiToken(id: "deploy") { id } }')).toBe('BAD_USER_INPUT: id "deploy" is not an id from this API');
    });
  });

  describe('lists', () => {
    it.each([
      ['{ users(first: 500) { totalCount } }', 'BAD_USER_INPUT: first must be between 1 and 100; got 500'],
      ['{ groups(after: "not-a-cursor") { totalCount } }', 'BAD_USER_INPUT: after is not a cursor from this API; pass a pageInfo.endCursor you were given'],
      ['{ auditLog(first: 0) { totalCount } }', 'BAD_USER_INPUT: first must be between 1 and 100; got 0'],
      ['{ auditLog(filter: { siteId: "guarded" }) { totalCount } }', 'BAD_USER_INPUT: siteId "guarded" is not an id from this API'],
      ['{ siteAccessChanges(after: -1) { seq } }', 'BAD_USER_INPUT: after must be a sequence number ≥ 0; got -1'],
    ])('%s', async (text, expected) => {
      expect(await refusal('root', text)).toBe(expected);
    });
  });
});
