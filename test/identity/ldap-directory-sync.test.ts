import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { startInstance, type Instance } from '../support/hostgraph-instance.js';
import { startSlapd, type SlapdServer } from '../support/slapd-server.js';
import { personDn, SERVICE_DN, SUFFIX, universityDirectoryConfig, universityLdif } from '../plugins/directory/university-directory.js';
import { DATABASES } from './identity-fixture.js';

/**
 * The identity subgraph on the `ldap` directory, against a real OpenLDAP, through the gateway. The
 * directory (test/plugins/directory/university-directory.ts): alice, bob, carol, dave, erin;
 * groupOfNames webmasters ∋ alice, bob and the group editors ∋ carol; posixGroup developers ∋
 * dave, erin; cycle-a ∋ alice, cycle-b and cycle-b ∋ dave, cycle-a. The scheduler syncs every second.
 */
const LDAP_PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
type LdapPerson = (typeof LDAP_PEOPLE)[number] | 'root';
const tokenOf = (person: LdapPerson) => `${person}-ldap-token`;
const devTokens = Object.fromEntries([
  ...LDAP_PEOPLE.map((person) => [tokenOf(person), { username: person }]),
  [tokenOf('root'), { username: 'root', admin: true }],
]);

describe.each(DATABASES)('identity on OpenLDAP through the gateway on $name', ({ database }) => {
  let slapd: SlapdServer;
  let instance: Instance;
  let drop: () => Promise<void>;
  let deptSite: string;
  let labSite: string;

  const as = (person: LdapPerson, text: string, variables: Record<string, unknown> = {}) => graphql(instance.url, text, variables, tokenOf(person));
  const ask = (person: LdapPerson, text: string, variables: Record<string, unknown> = {}) => query(instance.url, text, variables, tokenOf(person));
  const groupsOf = async (person: LdapPerson) => (await ask(person, '{ me { groups { id } } }')).me.groups.map((group: { id: string }) => group.id);

  beforeAll(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, ldif: universityLdif() });
    const db = await database();
    drop = db.drop;
    instance = await startInstance({
      database: db.url,
      settings: {
        devTokens,
        directory: { ...universityDirectoryConfig(slapd.url), timeoutMs: 2000 },
        identity: { syncSchedule: '* * * * * *' },
      },
    });
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
    await slapd?.remove();
  });

  it('copies the people and both kinds of group, nested groups and the cycle followed', async () => {
    const { directoryStatus } = await ask('root', '{ directoryStatus { kind stale lastError users groups } }');
    expect(directoryStatus).toEqual({ kind: 'ldap', stale: false, lastError: null, users: 5, groups: 5 });

    const { user } = await ask('carol', '{ user(username: "alice") { displayName mail uidNumber gidNumber active inDirectory } }');
    expect(user).toEqual({ displayName: 'Dr. Alice Martin', mail: 'alice@example.org', uidNumber: 20001, gidNumber: 5000, active: true, inDirectory: true });
    // Outside the user base: the directory has no such person for Hostgraph.
    expect(errorCodes((await as('carol', '{ user(username: "frank") { username } }')).body)).toEqual(['NOT_FOUND']);

    const names = (people: { username: string }[]) => people.map((person) => person.username);
    const { webmasters, developers } = await ask(
      'carol',
      `{ webmasters: group(id: "webmasters") { description members { username } everyone: members(nested: true) { username } memberGroups { id } }
         developers: group(id: "developers") { members { username } } }`,
    );
    expect(webmasters.description).toBe('Manage departmental sites');
    expect(names(webmasters.members)).toEqual(['alice', 'bob']);
    expect(names(webmasters.everyone)).toEqual(['alice', 'bob', 'carol']);
    expect(webmasters.memberGroups).toEqual([{ id: 'editors' }]);
    expect(names(developers.members)).toEqual(['dave', 'erin']);

    expect(await groupsOf('carol')).toEqual(['editors', 'webmasters']);
    expect(await groupsOf('alice')).toEqual(['cycle-a', 'cycle-b', 'webmasters']);
    expect(await groupsOf('dave')).toEqual(['cycle-a', 'cycle-b', 'developers']);
  });

  it('lets grants to directory groups reach their nested members and posixGroup members', async () => {
    deptSite = (await ask('alice', 'mutation { createSite(input: { name: "dept", flavor: "small" }) { siteId } }')).createSite.siteId;
    labSite = (await ask('bob', 'mutation { createSite(input: { name: "bobs-lab", flavor: "small" }) { siteId } }')).createSite.siteId;
    const grant = (role: string, group: string) =>
      ask('alice', 'mutation ($id: ID!, $role: SiteRole!, $group: ID) { grantSiteAccess(siteId: $id, role: $role, group: $group) { id } }', { id: deptSite, role, group });
    await grant('ADMIN', 'webmasters');
    await grant('SSH', 'developers');
    await grant('SUPPORTER', 'cycle-b');

    const roles = async (person: LdapPerson) =>
      eventually(async () => (await ask(person, 'query ($id: ID!) { site(id: $id) { myRoles } }', { id: deptSite })).site.myRoles);
    // carol through editors ⊂ webmasters; erin through the posixGroup; dave through developers and the cycle.
    expect(await roles('carol')).toEqual(['ADMIN']);
    expect(await roles('erin')).toEqual(['SSH']);
    expect(await roles('dave')).toEqual(['SSH', 'SUPPORTER']);
    await eventually(() => ask('carol', 'mutation ($id: ID!) { rebootSite(id: $id) { id } }', { id: deptSite }));
    expect(errorCodes((await as('erin', 'mutation ($id: ID!) { rebootSite(id: $id) { id } }', { id: deptSite })).body)).toEqual(['FORBIDDEN']);
  });

  it('makes someone who leaves inactive: their grants stop working, their tokens are revoked, their site is reported', async () => {
    const { createApiToken } = await ask('bob', 'mutation { createApiToken(name: "lab script", scopes: [SITES_READ]) { secret } }');
    const viaToken = await graphql(instance.url, '{ sites { edges { node { name } } } }', {}, createApiToken.secret);
    expect(viaToken.body.data.sites.edges.map((edge: any) => edge.node.name)).toContain('bobs-lab');

    slapd.deleteEntry(personDn('bob'));
    await ask('root', 'mutation { syncDirectory { stale } }');

    const { user, group } = await ask('alice', '{ user(username: "bob") { active leftAt groups { id } } group(id: "webmasters") { members { username } } }');
    expect(user).toMatchObject({ active: false, groups: [] });
    expect(user.leftAt).toBeTruthy();
    expect(group.members).toEqual([{ username: 'alice' }]);

    const refused = await as('bob', '{ me { username } }');
    expect(refused.status).toBe(401);
    expect(errorCodes(refused.body)).toEqual(['UNAUTHENTICATED']);
    expect(refused.body.errors![0].message).toMatch(/bob is no longer in the directory/);
    const tokenRefused = await graphql(instance.url, '{ sites { totalCount } }', {}, createApiToken.secret);
    expect(tokenRefused.status).toBe(401);
    expect(tokenRefused.body.errors![0].message).toBe('The API token "lab script" was revoked (its owner left the directory); create a new one');

    // bobs-lab had bob alone: platform admins are told; its grants stay visible, naming bob as inactive.
    const { sitesWithoutAdmin } = await ask('root', '{ sitesWithoutAdmin { name formerAdmins since site { id name admins { username active } } } }');
    expect(sitesWithoutAdmin).toEqual([
      { name: 'bobs-lab', formerAdmins: ['bob'], since: expect.any(String), site: { id: labSite, name: 'bobs-lab', admins: [{ username: 'bob', active: false }] } },
    ]);
    // dept keeps its admins through webmasters (alice, and carol through editors).
    expect(await groupsOf('carol')).toEqual(['editors', 'webmasters']);

    const regrant = await as('root', 'mutation ($id: ID!) { grantSiteAccess(siteId: $id, role: ADMIN, user: "bob") { id } }', { id: labSite });
    expect(errorCodes(regrant.body)).toEqual(['BAD_USER_INPUT']);
    expect(regrant.body.errors![0].message).toBe('bob has left the directory and can no longer be granted access');
    await ask('root', 'mutation ($id: ID!) { grantSiteAccess(siteId: $id, role: ADMIN, user: "alice") { id } }', { id: labSite });
    expect((await ask('root', '{ sitesWithoutAdmin { name } }')).sitesWithoutAdmin).toEqual([]);
  });

  it('keeps answering from the copy while OpenLDAP is down, says it is stale and how old, and is fresh once it is back', async () => {
    const fresh = await eventually(async () => {
      const { directoryStatus } = await ask('root', '{ directoryStatus { stale lastError lastSyncAt } }');
      expect(directoryStatus).toMatchObject({ stale: false, lastError: null });
      return directoryStatus;
    });

    await slapd.stop();
    try {
      // The scheduler's next sync fails; nothing of the copy is lost.
      // (A sync that slapd's stop cut short says so in other words; the next one cannot connect.)
      const down = await eventually(async () => {
        const { directoryStatus } = await ask('root', '{ directoryStatus { kind stale lastError ageSeconds lastSyncAt lastAttemptAt users } }');
        expect(directoryStatus.stale).toBe(true);
        expect(directoryStatus.lastError).toBe(`LDAP server ${slapd.url} could not be reached for the bind as ${SERVICE_DN}: connect ECONNREFUSED 127.0.0.1:${slapd.port}`);
        return directoryStatus;
      });
      expect(down).toMatchObject({ kind: 'ldap', users: 4 });
      expect(Date.parse(down.lastAttemptAt)).toBeGreaterThan(Date.parse(down.lastSyncAt));
      // The age is that of the last good copy, older than the failed attempt.
      expect(down.ageSeconds).toBeGreaterThanOrEqual(Math.floor((Date.parse(down.lastAttemptAt) - Date.parse(down.lastSyncAt)) / 1000));

      // Everyone keeps working from the copy: lookups, groups on the principal, grants through groups.
      const served = await ask('carol', '{ directoryStatus { stale ageSeconds lastError } me { groups { id } } user(username: "alice") { active } }');
      expect(served.directoryStatus).toMatchObject({ stale: true, lastError: null });
      expect(served.directoryStatus.ageSeconds).toEqual(expect.any(Number));
      expect(served.me.groups.map((g: any) => g.id)).toEqual(['editors', 'webmasters']);
      expect(served.user.active).toBe(true);
      await ask('carol', 'mutation ($id: ID!) { rebootSite(id: $id) { id } }', { id: deptSite });
    } finally {
      await slapd.start();
    }

    const back = await eventually(async () => {
      const { directoryStatus } = await ask('root', '{ directoryStatus { stale lastError lastSyncAt users } }');
      expect(directoryStatus).toMatchObject({ stale: false, lastError: null, users: 4 });
      return directoryStatus;
    });
    expect(Date.parse(back.lastSyncAt)).toBeGreaterThan(Date.parse(fresh.lastSyncAt));
  });
});
