import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { errorCodes, graphql, query, ws, type GraphQLResponse } from '../support/graphql-client.js';
import { DATABASES, directoryYaml, PEOPLE, syncDirectory, tokenOf, useIdentityInstance, type Person } from './identity-fixture.js';
import { createSiteAs, grant } from './site-grants.js';

const LOST = 'subscription { siteAdminLost { name formerAdmins since site { id name } } }';
const LIST = '{ sitesWithoutAdmin { name formerAdmins since site { id } } }';

/**
 * "A site whose last active admin left is reported to admins": hank's site is also administered
 * by the group ops (erin). Platform admins hear of it, live and in a list, once nobody active is left.
 */
describe.each(DATABASES)('sites without an active admin on $name', ({ database }) => {
  const running = useIdentityInstance(database);
  let lost: AsyncGenerator<GraphQLResponse>;
  let hanksSite: string;

  const present = (...gone: Person[]) => directoryYaml(PEOPLE.filter((person) => !gone.includes(person)));
  const revoke = (by: Person | 'root', siteId: string, user: string) =>
    query(running.instance.url, 'mutation ($id: ID!, $user: String) { revokeSiteAccess(siteId: $id, role: ADMIN, user: $user) { id } }', { id: siteId, user }, tokenOf(by));

  /** The next notice about the site `name`; notices about the probe site are skipped. */
  async function nextNoticeAbout(name: string) {
    for (;;) {
      const { value, done } = await lost.next();
      if (done) throw new Error('the siteAdminLost subscription ended');
      if (value.errors) throw new Error(JSON.stringify(value.errors));
      if (value.data.siteAdminLost.name === name) return value.data.siteAdminLost;
    }
  }

  beforeAll(async () => {
    ({ siteId: hanksSite } = await createSiteAs(running.instance, 'hank', 'hanks-site'));
    await grant(running.instance, 'hank', hanksSite, 'ADMIN', { group: 'ops' });

    // The subscription is live only and says nothing when it starts: remove and restore the only
    // admin of a probe site until a notice arrives.
    lost = ws(running.instance.url, LOST, {}, tokenOf('root'));
    const { siteId: probe } = await createSiteAs(running.instance, 'alice', 'probe');
    let heard = false;
    const first = lost.next().then((result) => ((heard = true), result));
    await eventually(async () => {
      await revoke('root', probe, 'alice');
      await grant(running.instance, 'root', probe, 'ADMIN', { user: 'alice' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heard).toBe(true);
    });
    expect((await first).value.data.siteAdminLost).toMatchObject({ name: 'probe', formerAdmins: [] });
  });
  afterAll(async () => {
    await lost?.return(undefined);
  });

  it('reports nothing while an admin group still has an active member', async () => {
    writeFileSync(running.instance.directoryFile, present('hank'));
    await syncDirectory(running.instance);
    expect((await query(running.instance.url, LIST, {}, tokenOf('root'))).sitesWithoutAdmin).toEqual([]);
  });

  it('tells platform admins, live and in a list, once the last active admin has left', async () => {
    writeFileSync(running.instance.directoryFile, present('hank', 'erin'));
    await syncDirectory(running.instance);
    const notice = await nextNoticeAbout('hanks-site');
    expect(notice).toEqual({ name: 'hanks-site', formerAdmins: ['hank', 'group ops'], since: expect.any(String), site: { id: hanksSite, name: 'hanks-site' } });

    const { sitesWithoutAdmin } = await query(running.instance.url, LIST, {}, tokenOf('ivy'));
    expect(sitesWithoutAdmin).toEqual([{ name: 'hanks-site', formerAdmins: ['hank', 'group ops'], since: notice.since, site: { id: hanksSite } }]);

    const { auditLog } = await query(running.instance.url, '{ auditLog(filter: { operation: "siteWithoutAdmin" }) { edges { node { actor site { id } errorMessage } } } }', {}, tokenOf('root'));
    expect(auditLog.edges.map((edge: any) => edge.node)).toContainEqual({
      actor: 'service:identity',
      site: { id: hanksSite },
      errorMessage: 'Site hanks-site has no active admin left: hank, group ops left or lost access',
    });
  });

  it('reports a site once, however many syncs follow', async () => {
    await syncDirectory(running.instance);
    const { auditLog } = await query(running.instance.url, '{ auditLog(filter: { operation: "siteWithoutAdmin" }) { edges { node { site { id } } } } }', {}, tokenOf('root'));
    expect(auditLog.edges.filter((edge: any) => edge.node.site?.id === hanksSite)).toHaveLength(1);
  });

  it('keeps the list and the notices to platform admins', async () => {
    const { body } = await graphql(running.instance.url, LIST, {}, tokenOf('alice'));
    expect(errorCodes(body)).toEqual(['FORBIDDEN']);
    expect(body.errors![0].message).toBe('Only platform admins may list sites without an admin');
    const { value } = await ws(running.instance.url, LOST, {}, tokenOf('alice')).next();
    expect(errorCodes(value)).toEqual(['FORBIDDEN']);
  });

  it('takes the site off the list once someone active can manage it again', async () => {
    writeFileSync(running.instance.directoryFile, present('hank'));
    await syncDirectory(running.instance);
    expect((await query(running.instance.url, LIST, {}, tokenOf('root'))).sitesWithoutAdmin).toEqual([]);
  });
});
