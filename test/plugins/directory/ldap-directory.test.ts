import { Writable } from 'node:stream';
import { Client } from 'ldapts';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectory, type DirectoryConfig } from '../../../plugins/directory/create-directory.js';
import { DirectoryUnavailable, type DirectorySnapshot } from '../../../plugins/directory/directory.js';
import { resolveGroupMemberships } from '../../../plugins/directory/group-memberships.js';
import type { LdapSnapshot } from '../../../plugins/directory/ldap/ldap-directory.js';
import { startSlapd, type SlapdServer } from '../../support/slapd-server.js';
import { ALUMNI, GROUPS, PEOPLE, personDn, SERVICE_DN, SERVICE_PASSWORD, SUFFIX, universityDirectoryConfig, universityLdif } from './university-directory.js';

const SIZE_LIMIT = 5;
const STAFF = 12;
let slapd: SlapdServer;

beforeAll(async () => {
  slapd = await startSlapd({ suffix: SUFFIX, ldif: universityLdif({ staffCount: STAFF }), sizeLimit: SIZE_LIMIT });
});
afterAll(async () => {
  await slapd?.remove();
});

const ldapConfig = (overrides: Partial<Extract<DirectoryConfig, { kind: 'ldap' }>> = {}): DirectoryConfig => ({
  ...universityDirectoryConfig(slapd.url),
  ...overrides,
});

const snapshot = (overrides: Parameters<typeof ldapConfig>[0] = {}) => createDirectory(ldapConfig(overrides)).snapshot() as Promise<LdapSnapshot>;
const user = (snapshot: DirectorySnapshot, username: string) => snapshot.users.find((candidate) => candidate.username === username);
const group = (snapshot: DirectorySnapshot, id: string) => snapshot.groups.find((candidate) => candidate.id === id);

async function failure(config: DirectoryConfig): Promise<DirectoryUnavailable> {
  const error = await createDirectory(config).snapshot().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(DirectoryUnavailable);
  return error as DirectoryUnavailable;
}

describe('LDAP directory against OpenLDAP', () => {
  it('reads every person with their attributes, past the server size limit', async () => {
    // The limit is real: the same search unpaged is cut off.
    const client = new Client({ url: slapd.url });
    await client.bind(SERVICE_DN, SERVICE_PASSWORD);
    await expect(client.search(PEOPLE, { filter: '(objectClass=posixAccount)' })).rejects.toThrow(/SizeLimitExceeded|Code: 0x4/);
    await client.unbind();

    for (const pageSize of [undefined, 3]) {
      const directory = await snapshot({ pageSize });
      expect(directory.users).toHaveLength(5 + STAFF);
      expect(user(directory, 'alice')).toEqual({ username: 'alice', displayName: 'Dr. Alice Martin', mail: 'alice@example.org', uidNumber: 20001, gidNumber: 5000 });
      // No displayName: cn stands in; no mail: null; non-ASCII arrives intact.
      expect(user(directory, 'bob')?.displayName).toBe('Bob Nguyen');
      expect(user(directory, 'carol')?.displayName).toBe('Carol Ödegaard');
      expect(user(directory, 'dave')).toMatchObject({ mail: null, uidNumber: 20004, gidNumber: 5001 });
      expect(user(directory, 'staff012')).toMatchObject({ displayName: 'Staff Member 12', uidNumber: 30011 });
      expect(user(directory, 'frank')).toBeUndefined();
    }
  });

  it('reads groupOfNames (member DNs) and posixGroup (memberUid) groups, leaving out members who are nobody', async () => {
    const directory = await snapshot();
    expect(group(directory, 'webmasters')).toEqual({
      id: 'webmasters',
      name: 'webmasters',
      description: 'Manage departmental sites',
      members: ['alice', 'bob'],
      memberGroups: ['editors'],
    });
    expect(group(directory, 'developers')).toEqual({ id: 'developers', name: 'developers', description: null, members: ['dave', 'erin'], memberGroups: [] });
    expect(directory.groups.map((candidate) => candidate.id).sort()).toEqual(['cycle-a', 'cycle-b', 'developers', 'editors', 'webmasters']);
    expect(directory.unresolvedMembers).toEqual(
      expect.arrayContaining([
        { group: 'webmasters', member: `uid=frank,${ALUMNI}` },
        { group: 'webmasters', member: personDn('ghost') },
        { group: 'developers', member: 'nobody-here' },
      ]),
    );
    expect(directory.unresolvedMembers).toHaveLength(3);
  });

  it('reads only the group kinds configured', async () => {
    const directory = await snapshot({ groups: { posixGroup: { baseDns: [GROUPS] } } });
    expect(directory.groups.map((candidate) => candidate.id)).toEqual(['developers']);
  });

  it('resolves nested groups and the membership cycle', async () => {
    const memberships = resolveGroupMemberships(await snapshot());
    expect(memberships.groupsOf('carol')).toEqual(['editors', 'webmasters']);
    expect(memberships.groupsOf('alice')).toEqual(['cycle-a', 'cycle-b', 'webmasters']);
    expect(memberships.groupsOf('dave')).toEqual(['cycle-a', 'cycle-b', 'developers']);
    expect(memberships.membersOf('webmasters')).toEqual(['alice', 'bob', 'carol']);
    expect(memberships.membersOf('cycle-b')).toEqual(['alice', 'dave']);
  });

  it('logs how many members were left out', async () => {
    const lines: string[] = [];
    const logger = pino({}, new Writable({ write: (chunk, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    await createDirectory(ldapConfig(), { logger }).snapshot();
    const logged = lines.map((line) => JSON.parse(line)).find((entry) => entry.unresolvedMembers !== undefined);
    expect(logged).toMatchObject({ unresolvedMembers: 3, url: slapd.url });
    expect(lines.join('')).not.toContain(SERVICE_PASSWORD);
  });

  it('refuses a wrong bind password in words a person can act on', async () => {
    const error = await failure(ldapConfig({ bindPassword: 'not-the-password' }));
    expect(error.message).toBe(`LDAP server ${slapd.url} refused the bind as ${SERVICE_DN}: invalid credentials (LDAP result 49)`);
    expect(error.message).not.toContain('not-the-password');
  });

  it('is unavailable when a base DN does not exist, rather than empty', async () => {
    const error = await failure(ldapConfig({ users: { baseDn: `ou=nowhere,${SUFFIX}` } }));
    expect(error.message).toBe(`LDAP server ${slapd.url} refused the search of ou=nowhere,${SUFFIX} for (objectClass=inetOrgPerson): no such object (LDAP result 32)`);
  });

  it('is unavailable, not empty, when the user search finds no one or the bind may not look', async () => {
    const wrongFilter = await failure(ldapConfig({ users: { baseDn: PEOPLE, filter: '(objectClass=account)' } }));
    expect(wrongFilter.message).toBe(
      `LDAP server ${slapd.url} returned no one for the search of ${PEOPLE} as ${SERVICE_DN}; check the filter and that this bind may read people`,
    );
    // OpenLDAP hides what an anonymous bind may not read behind "no such object".
    const anonymous = await failure(ldapConfig({ bindDn: undefined, bindPassword: undefined }));
    expect(anonymous.message).toMatch(/refused the search of ou=people,dc=example,dc=org .*no such object \(LDAP result 32\)/);
  });

  it('drops a person who leaves from the next snapshot', async () => {
    const before = await snapshot();
    expect(user(before, 'carol')).toBeDefined();
    expect(user(before, 'erin')).toBeDefined();
    slapd.deleteEntry(personDn('carol'));
    slapd.deleteEntry(personDn('erin'));
    const after = await snapshot();
    expect(after.users).toHaveLength(before.users.length - 2);
    expect(user(after, 'carol')).toBeUndefined();
    // Without the refint overlay their memberships stay behind in the groups, and are left out.
    expect(group(after, 'editors')?.members).toEqual([]);
    expect(group(after, 'developers')?.members).toEqual(['dave']);
    expect(after.unresolvedMembers).toEqual(expect.arrayContaining([{ group: 'editors', member: personDn('carol') }, { group: 'developers', member: 'erin' }]));
    expect(resolveGroupMemberships(after).membersOf('webmasters')).toEqual(['alice', 'bob']);
  });

  it('is unavailable while slapd is down, and readable again once it is back', async () => {
    const directory = createDirectory(ldapConfig());
    const users = (await directory.snapshot()).users.length;
    await slapd.stop();
    try {
      await expect(directory.snapshot()).rejects.toThrow(DirectoryUnavailable);
      await expect(directory.snapshot()).rejects.toThrow(`LDAP server ${slapd.url} could not be reached for the bind as ${SERVICE_DN}: connect ECONNREFUSED 127.0.0.1:${slapd.port}`);
    } finally {
      await slapd.start();
    }
    expect((await directory.snapshot()).users).toHaveLength(users);
    await directory.close();
  });
});
