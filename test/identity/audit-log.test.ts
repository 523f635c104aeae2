import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect, errorCodes, graphql, query, ws } from '../support/graphql-client.js';
import { DATABASES, tokenOf, useIdentityInstance, type Person } from './identity-fixture.js';
import { storedRows } from './stored-rows.js';

const ENTRY = 'id at actor actorKind tokenId tokenName operation operationName arguments site { id } target outcome errorCode errorMessage requestId';
const LOG = `query ($filter: AuditFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) { totalCount edges { node { ${ENTRY} } } pageInfo { hasNextPage endCursor } }
}`;

/** Key pairs made once, before any instance runs (ssh-keygen blocks). */
function keyPair() {
  const dir = mkdtempSync(join(tmpdir(), 'audit-keys-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@laptop', '-f', join(dir, 'key')]);
    return { publicKey: readFileSync(join(dir, 'key.pub'), 'utf8'), privateKey: readFileSync(join(dir, 'key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every mutation, through the hosting and the identity subgraph, over HTTP and graphql-ws, by
 * people and by a token, that worked, that was refused, and that did not even fit the schema.
 */
describe.each(DATABASES)('the audit log on $name', ({ database }) => {
  const running = useIdentityInstance(database);
  const url = () => running.instance.url;
  const as = (person: Person | 'root', text: string, variables: Record<string, unknown> = {}) => graphql(url(), text, variables, tokenOf(person));
  const ask = (person: Person | 'root', text: string, variables: Record<string, unknown> = {}) => query(url(), text, variables, tokenOf(person));
  const auditLog = async (person: Person | 'root', filter: Record<string, unknown> = {}, first = 100) => (await ask(person, LOG, { filter, first })).auditLog;
  const nodes = (log: { edges: { node: any }[] }) => log.edges.map((edge) => edge.node);

  const keys = keyPair();
  const started = new Date();
  let aliceSite: string;
  let bobSite: string;
  let tokenSecret: string;
  let tokenId: string;
  let ciSite: string;
  let leakySite: string;

  beforeAll(async () => {
    aliceSite = (await ask('alice', 'mutation { createSite(input: { name: "audited", flavor: "small" }) { siteId } }')).createSite.siteId;
    bobSite = (await ask('bob', 'mutation { createSite(input: { name: "bobs", flavor: "small" }) { siteId } }')).createSite.siteId;
    await ask('alice', 'mutation ($id: ID!) { grantSiteAccess(siteId: $id, role: SSH, user: "erin") { id } }', { id: aliceSite });
    await ask('alice', 'mutation ($id: ID!) { rebootSite(id: $id) { id } }', { id: aliceSite });
    await ask('alice', 'mutation ($key: String!) { addSshKey(key: $key) { id } }', { key: keys.publicKey });
    const { createApiToken } = await ask('alice', 'mutation { createApiToken(name: "ci", scopes: [SITES_WRITE]) { secret token { id } } }');
    tokenSecret = createApiToken.secret;
    tokenId = createApiToken.token.id;
    ciSite = (await query(url(), 'mutation { createSite(input: { name: "from-ci", flavor: "small" }) { siteId } }', {}, tokenSecret)).createSite.siteId;
    await ask('alice', 'mutation ($id: ID!) { revokeApiToken(id: $id) { id } }', { id: tokenId });
    await as('bob', 'mutation ($id: ID!) { rebootSite(id: $id) { id } }', { id: aliceSite });
    await ask('root', 'mutation { setQuota(user: "alice", limits: { sites: 50 }) { updatedBy } }');
    await ask('root', 'mutation { syncDirectory { stale } }');
    const [overWebSocket] = await collect(ws(url(), 'mutation OverWebSocket($id: ID!) { stopSite(id: $id) { id } }', { id: aliceSite }, tokenOf('alice')));
    expect(overWebSocket!.errors).toBeUndefined();
    await as('alice', 'mutation Pair($mine: ID!, $theirs: ID!) { mine: startSite(id: $mine) { id } theirs: startSite(id: $theirs) { id } }', { mine: aliceSite, theirs: bobSite });
    await as('alice', 'mutation Reversed($mine: ID!, $theirs: ID!) { theirs: startSite(id: $theirs) { id } mine: startSite(id: $mine) { id } }', { mine: aliceSite, theirs: bobSite });
    await as('alice', 'mutation Misfit { createSite(input: { name: "misfit", flavor: 3 }) { id } }');
    // Secrets pasted where they do not belong: refused or not, none of them may be stored.
    await as('alice', 'mutation ($key: String!) { addSshKey(key: $key) { id } }', { key: keys.privateKey });
    await as('alice', 'mutation ($key: String!, $comment: String) { addSshKey(key: $key, comment: $comment) { id } }', { key: keys.publicKey, comment: keys.privateKey });
    const leaky = await ask('alice', 'mutation ($d: String) { createSite(input: { name: "leaky", flavor: "small", description: $d }) { siteId } }', { d: `deploy with ${tokenSecret} please` });
    leakySite = leaky.createSite.siteId;
  });

  it('records who did what, on what, when and how it went, through every subgraph and transport', async () => {
    const entries = nodes(await auditLog('root', { actor: 'alice' }));
    const find = (operation: string, extra: Record<string, unknown> = {}) => entries.filter((entry: any) => entry.operation === operation && Object.entries(extra).every(([k, v]) => JSON.stringify(entry[k]) === JSON.stringify(v)));
    const now = Date.now();
    for (const entry of entries) {
      expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(started.getTime());
      expect(Date.parse(entry.at)).toBeLessThanOrEqual(now);
      expect(entry.requestId).toEqual(expect.any(String));
    }

    expect(find('createSite', { site: { id: aliceSite } })).toEqual([
      expect.objectContaining({ actor: 'alice', actorKind: 'user', tokenId: null, arguments: { input: { name: 'audited', flavor: 'small' } }, target: 'site audited', outcome: 'SUCCEEDED', errorCode: null }),
    ]);
    expect(find('grantSiteAccess')).toEqual([
      expect.objectContaining({ arguments: { siteId: aliceSite, role: 'SSH', user: 'erin' }, site: { id: aliceSite }, outcome: 'SUCCEEDED' }),
    ]);
    expect(find('rebootSite')).toEqual([expect.objectContaining({ arguments: { id: aliceSite }, site: { id: aliceSite }, outcome: 'SUCCEEDED' })]);
    // The token acted: its owner, the token, and its name.
    expect(find('createSite', { site: { id: ciSite } })).toEqual([
      expect.objectContaining({ actor: 'alice', actorKind: 'token', tokenId, tokenName: 'ci', arguments: { input: { name: 'from-ci', flavor: 'small' } }, outcome: 'SUCCEEDED' }),
    ]);
    expect(find('revokeApiToken')).toEqual([expect.objectContaining({ arguments: { id: tokenId }, target: `ApiToken ${tokenId}`, outcome: 'SUCCEEDED' })]);
    expect(find('stopSite')).toEqual([expect.objectContaining({ operationName: 'OverWebSocket', arguments: { id: aliceSite, force: false }, outcome: 'SUCCEEDED' })]);
    // One entry per field of a mutation, each with its own outcome: a field after one that failed never ran.
    const startSite = find('startSite').map((entry: any) => [entry.operationName, entry.site?.id, entry.outcome, entry.errorCode]);
    expect(startSite.sort()).toEqual(
      [
        ['Pair', aliceSite, 'SUCCEEDED', null],
        ['Pair', bobSite, 'FAILED', 'FORBIDDEN'],
        ['Reversed', aliceSite, 'FAILED', 'NOT_RUN'],
        ['Reversed', bobSite, 'FAILED', 'FORBIDDEN'],
      ].sort(),
    );
    const { tasks } = await ask('alice', 'query ($id: ID!) { tasks(filter: { siteId: $id, kind: "startSite" }) { totalCount } }', { id: aliceSite });
    expect(tasks.totalCount).toBe(1);
    expect(find('createSite', { operationName: 'Misfit' })).toEqual([
      expect.objectContaining({ arguments: {}, outcome: 'FAILED', errorCode: 'GRAPHQL_VALIDATION_FAILED', errorMessage: expect.stringMatching(/String cannot represent a non string value: 3/) }),
    ]);

    const bob = nodes(await auditLog('root', { actor: 'bob', operation: 'rebootSite' }));
    expect(bob).toEqual([
      expect.objectContaining({ site: { id: aliceSite }, outcome: 'FAILED', errorCode: 'FORBIDDEN', errorMessage: 'You may not manage site audited; ask one of its admins' }),
    ]);
    const root = nodes(await auditLog('root', { actor: 'root' })).map((entry: any) => [entry.operation, entry.outcome, entry.arguments]);
    expect(root).toEqual(expect.arrayContaining([['setQuota', 'SUCCEEDED', { user: 'alice', limits: { sites: 50 } }], ['syncDirectory', 'SUCCEEDED', {}]]));
    expect(nodes(await auditLog('root', { outcome: 'FAILED', actor: 'alice' })).every((entry: any) => entry.outcome === 'FAILED')).toBe(true);
  });

  it('lets site admins read the entries of their own sites, and nobody else read any', async () => {
    const alice = nodes(await auditLog('alice'));
    expect(new Set(alice.map((entry: any) => entry.site?.id))).toEqual(new Set([aliceSite, ciSite, leakySite]));
    // Attempts on her site by others are hers to see.
    expect(alice).toContainEqual(expect.objectContaining({ actor: 'bob', operation: 'rebootSite', outcome: 'FAILED' }));
    const bob = nodes(await auditLog('bob', { siteId: bobSite }));
    expect(bob.map((entry: any) => entry.site.id)).toEqual(bob.map(() => bobSite));
    expect(bob.map((entry: any) => [entry.actor, entry.operation])).toEqual(expect.arrayContaining([['bob', 'createSite'], ['alice', 'startSite']]));

    // erin has SSH access, not admin: nothing; carol names a site she does not administer: refused.
    expect((await auditLog('erin')).totalCount).toBe(0);
    const { body } = await as('carol', LOG, { filter: { siteId: aliceSite } });
    expect(errorCodes(body)).toEqual(['FORBIDDEN']);
    expect(body.errors![0].message).toBe(`You are not an admin of site ${aliceSite}: only its admins and platform admins may read its audit log`);

    // A token reads its owner's sites with sites:read, and nothing without it.
    const reader = (await ask('alice', 'mutation { createApiToken(name: "log reader", scopes: [SITES_READ]) { secret } }')).createApiToken.secret;
    const watcher = (await ask('alice', 'mutation { createApiToken(name: "task watcher", scopes: [TASKS_READ]) { secret } }')).createApiToken.secret;
    expect((await graphql(url(), LOG, { filter: { siteId: aliceSite } }, reader)).body.data.auditLog.totalCount).toBeGreaterThan(0);
    expect(errorCodes((await graphql(url(), LOG, {}, watcher)).body)).toEqual(['FORBIDDEN']);
  });

  it('pages newest first, without gaps or repeats', async () => {
    const all = await auditLog('root');
    const ids: string[] = [];
    let after: string | null = null;
    do {
      const { auditLog: page }: any = await ask('root', LOG, { first: 4, after });
      expect(page.totalCount).toBe(all.totalCount);
      ids.push(...nodes(page).map((entry: any) => entry.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    const everything = nodes(all);
    expect(ids).toEqual(everything.map((entry: any) => entry.id));
    const times = everything.map((entry: any) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('keeps no secret: token secrets and private keys are redacted wherever they were pasted', async () => {
    const rows = JSON.stringify(await storedRows(running.instance, 'select * from identity_audit_entries'));
    expect(rows).not.toContain(tokenSecret);
    expect(rows).not.toContain(tokenSecret.slice(4, 24));
    for (const line of keys.privateKey.split('\n').filter((line) => line && !line.startsWith('-----'))) expect(rows).not.toContain(line.slice(0, 16));
    expect(rows).not.toContain('PRIVATE KEY-----');

    const leaky = nodes(await auditLog('root', { actor: 'alice', operation: 'createSite' })).find((entry: any) => entry.arguments.input?.name === 'leaky');
    expect(leaky.arguments.input.description).toBe('deploy with [redacted] please');
    const pasted = nodes(await auditLog('root', { actor: 'alice', operation: 'addSshKey', outcome: 'FAILED' }));
    expect(pasted.map((entry: any) => entry.arguments.key)).toEqual(['[redacted]', '[redacted]']);
    expect(pasted.map((entry: any) => entry.arguments.comment?.trim() ?? 'none').sort()).toEqual(['[redacted]', 'none']);
  });
});
