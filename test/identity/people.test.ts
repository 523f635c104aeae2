import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { DATABASES, directoryYaml, PEOPLE, syncDirectory, tokenOf, useIdentityInstance } from './identity-fixture.js';

const USER = 'username displayName mail uidNumber gidNumber active leftAt inDirectory';

describe.each(DATABASES)('people and groups through the gateway on $name', ({ database }) => {
  const running = useIdentityInstance(database);

  const ask = (text: string, variables: Record<string, unknown> = {}, token = tokenOf('alice')) => query(running.instance.url, text, variables, token);

  it('answers me, with groups through nesting and platform admin from the admin group', async () => {
    const { me } = await ask(`{ me { ${USER} platformAdmin groups { id } direct: groups(direct: true) { id } } }`, {}, tokenOf('dave'));
    expect(me).toMatchObject({ username: 'dave', displayName: 'Dave', mail: 'dave@example.org', active: true, inDirectory: true, platformAdmin: false });
    expect(me.uidNumber).toBeGreaterThanOrEqual(30000);
    expect(me.direct.map((g: any) => g.id)).toEqual(['interns']);
    expect(me.groups.map((g: any) => g.id)).toEqual(['interns', 'webteam']);
    const ivy = await ask('{ me { platformAdmin } }', {}, tokenOf('ivy'));
    expect(ivy.me.platformAdmin).toBe(true);
  });

  it('describes a dev token user the directory does not know', async () => {
    const { me } = await ask(`{ me { ${USER} groups { id } } }`, {}, tokenOf('root'));
    expect(me).toMatchObject({ username: 'root', inDirectory: false, active: true, groups: [] });
  });

  it('looks people up, searches them in any case and pages through them', async () => {
    const { user } = await ask(`query ($u: String!) { user(username: $u) { ${USER} } }`, { u: 'carol' });
    expect(user).toMatchObject({ username: 'carol', displayName: 'Carol', active: true });
    const unknown = await graphql(running.instance.url, '{ user(username: "nobody") { username } }', {}, tokenOf('alice'));
    expect(errorCodes(unknown.body)).toEqual(['NOT_FOUND']);
    expect(unknown.body.errors![0].message).toContain('nobody');

    const found = await ask('{ users(search: "EXAMPLE.ORG", first: 100) { totalCount edges { node { username } } } }');
    expect(found.users.totalCount).toBe(PEOPLE.length);
    const names: string[] = [];
    let after: string | null = null;
    do {
      const { users }: any = await ask('query ($after: String) { users(first: 4, after: $after) { totalCount edges { node { username } } pageInfo { hasNextPage endCursor } } }', { after });
      names.push(...users.edges.map((e: any) => e.node.username));
      after = users.pageInfo.hasNextPage ? users.pageInfo.endCursor : null;
    } while (after);
    expect(names).toEqual([...PEOPLE].sort());
    const none = await ask('{ users(search: "100%_") { totalCount } }');
    expect(none.users.totalCount).toBe(0);
  });

  it('shows groups with direct and nested members, and survives a membership cycle', async () => {
    const { group } = await ask('{ group(id: "webteam") { id name description members { username } everyone: members(nested: true) { username } memberGroups { id } } }');
    expect(group).toEqual({
      id: 'webteam',
      name: 'Web team',
      description: 'Runs the department sites',
      members: [{ username: 'carol' }],
      everyone: [{ username: 'carol' }, { username: 'dave' }],
      memberGroups: [{ id: 'interns' }],
    });
    const cycle = await ask('{ group(id: "cycle-a") { everyone: members(nested: true) { username } } }');
    expect(cycle.group.everyone.map((u: any) => u.username)).toEqual(['gina', 'hank']);
    const { me } = await ask('{ me { groups { id } } }', {}, tokenOf('gina'));
    expect(me.groups.map((g: any) => g.id)).toEqual(['cycle-a', 'cycle-b']);
    const { groups } = await ask('{ groups(search: "cycle") { totalCount edges { node { id } } } }');
    expect(groups.totalCount).toBe(2);
    const unknown = await graphql(running.instance.url, '{ group(id: "nope") { id } }', {}, tokenOf('alice'));
    expect(errorCodes(unknown.body)).toEqual(['NOT_FOUND']);
  });

  it('says the copy is fresh after a sync, and stale (with its age) but still served when the directory cannot be read', async () => {
    const fresh = await ask('{ directoryStatus { kind stale ageSeconds lastError users groups } }');
    expect(fresh.directoryStatus).toMatchObject({ kind: 'static', stale: false, lastError: null, users: PEOPLE.length });
    writeFileSync(running.instance.directoryFile, 'users: [ this is not yaml');
    const failed = await syncDirectory(running.instance);
    expect(failed.stale).toBe(true);
    expect(failed.lastError).toMatch(/not a valid directory file/);
    const stale = await ask('{ directoryStatus { stale ageSeconds lastError } user(username: "carol") { active } }');
    expect(stale.directoryStatus).toMatchObject({ stale: true, lastError: null });
    expect(stale.directoryStatus.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(stale.user.active).toBe(true);
    writeFileSync(running.instance.directoryFile, directoryYaml());
    expect((await syncDirectory(running.instance)).stale).toBe(false);
  });

  it('marks someone who left inactive, refuses their token, and takes them back when they return', async () => {
    expect((await ask('{ me { username } }', {}, tokenOf('hank'))).me.username).toBe('hank');
    writeFileSync(running.instance.directoryFile, directoryYaml(PEOPLE.filter((p) => p !== 'hank')));
    await syncDirectory(running.instance);
    const { user } = await ask('{ user(username: "hank") { active leftAt groups { id } } }');
    expect(user.active).toBe(false);
    expect(user.leftAt).toBeTruthy();
    expect(user.groups).toEqual([]);
    const refused = await graphql(running.instance.url, '{ me { username } }', {}, tokenOf('hank'));
    expect(refused.status).toBe(401);
    expect(errorCodes(refused.body)).toEqual(['UNAUTHENTICATED']);
    expect(refused.body.errors![0].message).toMatch(/no longer in the directory/);
    const inactive = await ask('{ users(active: false) { edges { node { username } } } }');
    expect(inactive.users.edges.map((e: any) => e.node.username)).toEqual(['hank']);

    writeFileSync(running.instance.directoryFile, directoryYaml());
    await syncDirectory(running.instance);
    expect((await ask('{ me { active leftAt } }', {}, tokenOf('hank'))).me).toEqual({ active: true, leftAt: null });
  });

  it('keeps internal fields and the manual sync to Hostgraph itself and platform admins', async () => {
    for (const operation of ['{ principalFacts(username: "alice") { active } }', 'mutation { syncDirectory { stale } }', '{ siteAccessChanges(after: 0) { seq } }']) {
      const { body } = await graphql(running.instance.url, operation, {}, tokenOf('alice'));
      expect(errorCodes(body)).toEqual(['FORBIDDEN']);
    }
  });
});
