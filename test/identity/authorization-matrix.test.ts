import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { collect, errorCodes, graphql, query, ws, type GraphQLResponse } from '../support/graphql-client.js';
import { DATABASES, directoryYaml, PEOPLE, syncDirectory, tokenOf, useIdentityInstance, type Person } from './identity-fixture.js';
import { createSiteAs, grant, untilVisible } from './site-grants.js';

/**
 * Every hosting query and mutation against every kind of caller. The site belongs to alice; the
 * web team (carol, and dave through the nested interns group) administers it; erin has SSH access,
 * frank supports it; gina has nothing; hank was an admin and has left; ivy is a platform admin by
 * group, root one by configuration.
 */
type Actor = Person | 'root';
const ACTORS: Record<string, Actor> = {
  owner: 'alice',
  'admin by group': 'carol',
  'admin by nested group': 'dave',
  'SSH user': 'erin',
  supporter: 'frank',
  stranger: 'gina',
  deactivated: 'hank',
  'platform admin by group': 'ivy',
  'platform admin by configuration': 'root',
};
const MANAGERS: Actor[] = ['alice', 'carol', 'dave', 'ivy', 'root'];
const VIEWERS: Actor[] = [...MANAGERS, 'erin', 'frank'];

type Outcome = 'OK' | 'FORBIDDEN' | 'UNAUTHENTICATED';
const expected = (actor: Actor, allowed: Actor[]): Outcome => (actor === 'hank' ? 'UNAUTHENTICATED' : allowed.includes(actor) ? 'OK' : 'FORBIDDEN');
const outcomeOf = (body: GraphQLResponse): Outcome | string => (body.errors?.length ? String(errorCodes(body)[0]) : 'OK');

describe.each(DATABASES)('authorization of every hosting operation on $name', ({ database }) => {
  const running = useIdentityInstance(database);
  let siteId: string;
  let taskId: string;
  const deletable: Partial<Record<Actor, string>> = {};

  const as = (actor: Actor, text: string, variables: Record<string, unknown> = {}) => graphql(running.instance.url, text, variables, tokenOf(actor));

  beforeAll(async () => {
    ({ siteId, taskId } = await createSiteAs(running.instance, 'alice', 'matrix'));
    await grant(running.instance, 'alice', siteId, 'ADMIN', { group: 'webteam' });
    await grant(running.instance, 'alice', siteId, 'ADMIN', { user: 'hank' });
    await grant(running.instance, 'carol', siteId, 'SSH', { user: 'erin' });
    await grant(running.instance, 'dave', siteId, 'SUPPORTER', { user: 'frank' });
    for (const person of ['carol', 'dave', 'erin', 'frank', 'hank'] as const) await untilVisible(running.instance, person, siteId);
    // A site per manager to delete, with the same grants where the grant is what makes them a manager.
    for (const actor of MANAGERS) {
      const site = await createSiteAs(running.instance, 'alice', `doomed-${actor}`);
      await grant(running.instance, 'alice', site.siteId, 'ADMIN', { group: 'webteam' });
      deletable[actor] = site.siteId;
    }
    await untilVisible(running.instance, 'dave', deletable.dave!);
    // hank leaves the directory.
    writeFileSync(running.instance.directoryFile, directoryYaml(PEOPLE.filter((p) => p !== 'hank')));
    await syncDirectory(running.instance);
  });

  const cases = Object.entries(ACTORS);

  it.each(cases)('site(id) for the %s', async (_, actor) => {
    const { body } = await as(actor, 'query ($id: ID!) { site(id: $id) { id name owner } }', { id: siteId });
    expect(outcomeOf(body)).toBe(expected(actor, VIEWERS));
    if (!body.errors) expect(body.data.site).toEqual({ id: siteId, name: 'matrix', owner: 'alice' });
  });

  it.each(cases)('sites lists the site for the %s, and only for those who may see it', async (_, actor) => {
    const { body } = await as(actor, '{ sites(filter: { nameContains: "matrix" }) { totalCount edges { node { id } } } }');
    const outcome = expected(actor, VIEWERS);
    if (outcome === 'UNAUTHENTICATED') return expect(outcomeOf(body)).toBe(outcome);
    expect(body.data.sites.edges.map((e: any) => e.node.id)).toEqual(outcome === 'OK' ? [siteId] : []);
  });

  it.each(cases)('the grants on the site, for the %s', async (_, actor) => {
    const { body } = await as(actor, 'query ($id: ID!) { site(id: $id) { admins { username } adminGroups { id } sshUsers { username } supporters { username } myRoles } }', { id: siteId });
    expect(outcomeOf(body)).toBe(expected(actor, VIEWERS));
    if (body.errors) return;
    expect(body.data.site).toMatchObject({
      admins: [{ username: 'alice' }, { username: 'hank' }],
      adminGroups: [{ id: 'webteam' }],
      sshUsers: [{ username: 'erin' }],
      supporters: [{ username: 'frank' }],
    });
    const roles = { erin: ['SSH'], frank: ['SUPPORTER'] }[actor as string] ?? (['ivy', 'root'].includes(actor) ? ['ADMIN', 'SSH', 'SUPPORTER'] : ['ADMIN']);
    expect(body.data.site.myRoles).toEqual(roles);
  });

  it.each(cases)('task, taskEvents and tasks for the %s', async (_, actor) => {
    const outcome = expected(actor, VIEWERS);
    const task = await as(actor, 'query ($id: ID!) { task(id: $id) { id site { name } } }', { id: taskId });
    expect(outcomeOf(task.body)).toBe(outcome);
    const events = await as(actor, 'query ($id: ID!) { taskEvents(taskId: $id) { seq } }', { id: taskId });
    expect(outcomeOf(events.body)).toBe(outcome);
    const list = await as(actor, 'query ($siteId: ID!) { tasks(filter: { siteId: $siteId }) { edges { node { id } } } }', { siteId });
    if (outcome === 'UNAUTHENTICATED') return expect(outcomeOf(list.body)).toBe(outcome);
    expect(list.body.data.tasks.edges.some((e: any) => e.node.id === taskId)).toBe(outcome === 'OK');
  });

  it.each(cases)('the taskEvents subscription for the %s', async (_, actor) => {
    const messages = await collect(ws(running.instance.url, 'subscription ($id: ID!) { taskEvents(taskId: $id) { seq } }', { id: taskId }, tokenOf(actor)), 1).catch((error: Error) => [
      { errors: [{ message: error.message, extensions: { code: /4401|401|no longer/.test(error.message) ? 'UNAUTHENTICATED' : 'ERROR' } }] },
    ]);
    expect(outcomeOf(messages[0]!)).toBe(expected(actor, VIEWERS));
  });

  it.each(cases)('the taskUpdated subscription for the %s', async (_, actor) => {
    const outcome = expected(actor, VIEWERS);
    const updates = ws(running.instance.url, 'subscription ($siteId: ID) { taskUpdated(siteId: $siteId) { kind } }', { siteId }, tokenOf(actor));
    const first = updates.next().catch((error: Error) => ({ value: { errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED' } }] } }));
    if (outcome === 'OK') {
      // Live only: cause changes until one arrives.
      let arrived = false;
      void first.then(() => (arrived = true));
      await eventually(async () => {
        await query(running.instance.url, 'mutation ($id: ID!) { rebootSite(id: $id) { id } }', { id: siteId }, tokenOf('alice'));
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(arrived).toBe(true);
      });
    }
    const { value } = await first;
    await updates.return(undefined);
    expect(outcomeOf(value as GraphQLResponse)).toBe(outcome);
  });

  it.each(cases)('flavors and createSite for the %s: anyone signed in', async (_, actor) => {
    const flavors = await as(actor, '{ flavors { name } }');
    expect(outcomeOf(flavors.body)).toBe(actor === 'hank' ? 'UNAUTHENTICATED' : 'OK');
    const created = await as(actor, 'mutation ($name: String!) { createSite(input: { name: $name, flavor: "small" }) { requestedBy } }', { name: `own-${actor}` });
    expect(outcomeOf(created.body)).toBe(actor === 'hank' ? 'UNAUTHENTICATED' : 'OK');
  });

  it.each(['startSite', 'stopSite', 'rebootSite'])('%s for every caller', async (mutation) => {
    for (const [, actor] of cases) {
      const { body } = await as(actor, `mutation ($id: ID!) { ${mutation}(id: $id) { id } }`, { id: siteId });
      expect([actor, outcomeOf(body)]).toEqual([actor, expected(actor, MANAGERS)]);
    }
  });

  it('cancelTask for every caller (a finished task is a CONFLICT, which means access was granted)', async () => {
    for (const [, actor] of cases) {
      const { body } = await as(actor, 'mutation ($id: ID!) { cancelTask(id: $id) { id } }', { id: taskId });
      const outcome = outcomeOf(body);
      expect([actor, outcome === 'CONFLICT' ? 'OK' : outcome]).toEqual([actor, expected(actor, MANAGERS)]);
    }
  });

  it('deleteSite for every caller', async () => {
    for (const [, actor] of cases) {
      const target = deletable[actor] ?? siteId;
      const { body } = await as(actor, 'mutation ($id: ID!) { deleteSite(id: $id) { id } }', { id: target });
      expect([actor, outcomeOf(body)]).toEqual([actor, expected(actor, MANAGERS)]);
    }
  });
});
