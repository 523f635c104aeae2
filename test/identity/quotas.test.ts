import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { DATABASES, tokenOf, useIdentityInstance, type Person } from './identity-fixture.js';
import { storedRows } from './stored-rows.js';

const SET = 'mutation ($user: String, $group: ID, $limits: QuotaLimitsInput!) { setQuota(user: $user, group: $group, limits: $limits) { limits { sites vcpus memoryMiB snapshots } updatedBy } }';
const LIMIT = '{ limit source }';
const MY_QUOTA = `{ me { quota { sites ${LIMIT} vcpus ${LIMIT} memoryMiB ${LIMIT} snapshots ${LIMIT} } } }`;
const CREATE = 'mutation ($name: String!, $flavor: String!) { createSite(input: { name: $name, flavor: $flavor }) { id siteId } }';

/**
 * Quotas on people and groups (flavors: small 1 vCPU 2048 MiB, medium 2 vCPUs 4096 MiB), the
 * smallest that applies winning, enforced by hosting in the transaction that creates the site.
 */
describe.each(DATABASES)('quotas on $name', ({ database }) => {
  const running = useIdentityInstance(database);
  const url = () => running.instance.url;
  const setQuota = (subject: { user?: string; group?: string }, limits: Record<string, number | null>, by: Person | 'root' = 'root') =>
    graphql(url(), SET, { ...subject, limits }, tokenOf(by));
  const create = (person: Person, name: string, flavor = 'small') => graphql(url(), CREATE, { name, flavor }, tokenOf(person));
  const outcome = (body: { errors?: { extensions?: { code?: string } }[] }) => String(errorCodes(body as never)[0] ?? 'OK');
  const sitesOf = async (person: Person) => (await query(url(), 'query ($o: String) { sites(filter: { owner: $o }) { totalCount } }', { o: person }, tokenOf('root'))).sites.totalCount;
  const quotaRows = () => storedRows(running.instance, 'select subject_kind, subject, sites, vcpus, memory_mib, snapshots from identity_quotas order by subject');

  it('lets platform admins limit people and groups; for each resource the smallest that applies wins', async () => {
    expect(outcome((await setQuota({ user: 'carol' }, { sites: 5, vcpus: 8 })).body)).toBe('OK');
    const { body } = await setQuota({ group: 'webteam' }, { sites: 2, memoryMiB: 6144, snapshots: 3 }, 'ivy');
    expect(body.data.setQuota).toEqual({ limits: { sites: 2, vcpus: null, memoryMiB: 6144, snapshots: 3 }, updatedBy: 'ivy' });

    const carol = (await query(url(), MY_QUOTA, {}, tokenOf('carol'))).me.quota;
    expect(carol).toEqual({
      sites: { limit: 2, source: 'group webteam' },
      vcpus: { limit: 8, source: 'user carol' },
      memoryMiB: { limit: 6144, source: 'group webteam' },
      snapshots: { limit: 3, source: 'group webteam' },
    });
    // dave is in webteam through the nested group interns.
    expect((await query(url(), MY_QUOTA, {}, tokenOf('dave'))).me.quota.sites).toEqual({ limit: 2, source: 'group webteam' });
    expect((await query(url(), MY_QUOTA, {}, tokenOf('alice'))).me.quota.sites).toEqual({ limit: null, source: null });

    const { quotas } = await query(url(), '{ quotas { user { username } group { id } limits { sites vcpus memoryMiB snapshots } } }', {}, tokenOf('root'));
    expect(quotas).toEqual([
      { user: null, group: { id: 'webteam' }, limits: { sites: 2, vcpus: null, memoryMiB: 6144, snapshots: 3 } },
      { user: { username: 'carol' }, group: null, limits: { sites: 5, vcpus: 8, memoryMiB: null, snapshots: null } },
    ]);
  });

  it('refuses quotas from anyone but a platform admin in person, and bad limits, writing nothing', async () => {
    const before = await quotaRows();
    const refusal = async (subject: { user?: string; group?: string }, limits: Record<string, number | null>, by: Person | 'root' = 'root') => {
      const { body } = await setQuota(subject, limits, by);
      return `${outcome(body)}: ${body.errors?.[0]?.message}`;
    };
    expect(await refusal({ user: 'alice' }, { sites: 100 }, 'alice')).toBe('FORBIDDEN: Only platform admins may set quotas');
    expect(await refusal({ user: 'carol' }, { sites: -1 })).toBe('BAD_USER_INPUT: sites must be a whole number ≥ 0, or null for no limit; got -1');
    expect(await refusal({ user: 'nobody' }, { sites: 1 })).toBe('NOT_FOUND: User nobody does not exist');
    expect(await refusal({ group: 'no-such-group' }, { sites: 1 })).toBe('NOT_FOUND: Group no-such-group does not exist');
    expect(await refusal({ user: 'carol', group: 'webteam' }, { sites: 1 })).toBe('BAD_USER_INPUT: Name either a user or a group, not both');
    const { createApiToken } = await query(url(), 'mutation { createApiToken(name: "quota setter", scopes: [ADMIN]) { secret } }', {}, tokenOf('root'));
    const viaToken = await graphql(url(), SET, { user: 'carol', limits: { sites: 100 } }, createApiToken.secret);
    expect(viaToken.body.errors![0].message).toBe('API tokens may not set quotas; sign in as yourself to do it');
    expect(await quotaRows()).toEqual(before);

    const { body } = await graphql(url(), '{ user(username: "carol") { quota { sites { limit } } } }', {}, tokenOf('alice'));
    expect(errorCodes(body)).toEqual(['FORBIDDEN']);
  });

  it('refuses the site that would pass a limit, naming the limit and what is used, and writes nothing', async () => {
    for (const name of ['carol-one', 'carol-two']) expect(outcome((await create('carol', name)).body)).toBe('OK');
    const { body } = await create('carol', 'carol-three');
    expect(body.errors![0]).toMatchObject({
      message:
        'This would exceed your quota of 2 sites (set on group webteam): you use 2 and this needs 1 more. Delete a site you no longer need, or ask a platform admin for a larger quota',
      extensions: { code: 'QUOTA_EXCEEDED', limit: 'sites', max: 2, used: 2, requested: 1, source: 'group webteam' },
    });
    expect(await sitesOf('carol')).toBe(2);
    expect(Number((await storedRows(running.instance, "select count(*) as n from identity_sites where name = 'carol-three'"))[0]!.n)).toBe(0);

    // vCPUs and memory count what the flavors take.
    await setQuota({ user: 'erin' }, { vcpus: 3, memoryMiB: 8192 });
    expect(outcome((await create('erin', 'erin-medium', 'medium')).body)).toBe('OK');
    expect(outcome((await create('erin', 'erin-small', 'small')).body)).toBe('OK');
    const vcpus = (await create('erin', 'erin-more', 'small')).body.errors![0]!;
    expect(vcpus.extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 'vcpus', max: 3, used: 3, requested: 1, source: 'user erin' });
    expect(vcpus.message).toMatch(/^This would exceed your quota of 3 vCPUs \(set on user erin\): you use 3 and this needs 1 more/);
    await setQuota({ user: 'frank' }, { memoryMiB: 4096 });
    expect(outcome((await create('frank', 'frank-small', 'small')).body)).toBe('OK');
    expect((await create('frank', 'frank-medium', 'medium')).body.errors![0]!.extensions).toMatchObject({ limit: 'memoryMiB', max: 4096, used: 2048, requested: 4096 });
  });

  it('gives a deleted site’s resources back', async () => {
    const { sites } = await query(url(), '{ sites(filter: { owner: "carol" }) { edges { node { id } } } }', {}, tokenOf('carol'));
    await query(url(), 'mutation ($id: ID!) { deleteSite(id: $id) { id } }', { id: sites.edges[0].node.id }, tokenOf('carol'));
    await eventually(async () => expect(outcome((await create('carol', 'carol-again')).body)).toBe('OK'));
  });

  it.each([
    ['sites', { sites: 3 }, 'small', 3],
    ['vCPUs', { vcpus: 4 }, 'medium', 2],
  ])('lets exactly the allowed number through when requests race at a limit of %s', async (_, limits, flavor, allowed) => {
    const person: Person = allowed === 3 ? 'gina' : 'hank';
    await setQuota({ user: person }, limits);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => create(person, `${person}-race-${i}`, flavor)));
    const outcomes = results.map((result) => outcome(result.body));
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(allowed);
    expect(outcomes.filter((o) => o === 'QUOTA_EXCEEDED')).toHaveLength(12 - allowed);
    expect(await sitesOf(person)).toBe(allowed);
    const [usage] = await storedRows(running.instance, 'select sites, vcpus from site_usage where owner = ?', [person]);
    expect({ sites: Number(usage!.sites), vcpus: Number(usage!.vcpus) }).toEqual({ sites: allowed, vcpus: allowed * (flavor === 'medium' ? 2 : 1) });
    // Identity forgot the sites hosting refused: only the created ones have grants.
    const known = await storedRows(running.instance, 'select count(*) as n from identity_sites where created_by = ?', [person]);
    expect(Number(known[0]!.n)).toBe(allowed);
  });
});
