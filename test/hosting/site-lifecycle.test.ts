import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { collect, errorCodes, graphql, query, sse, ws } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createPostgresDatabase } from '../support/postgres-database.js';

const TASK_FIELDS = 'id kind state progress siteId attempt requestedBy error { code message step } steps { name state }';
const EVENTS = `subscription ($taskId: ID!, $after: Int) { taskEvents(taskId: $taskId, after: $after) { taskId seq type message progress step } }`;

const createSite = (url: string, name: string, token: string = TOKENS.alice, flavor = 'small') =>
  graphql(url, `mutation ($input: CreateSiteInput!) { createSite(input: $input) { ${TASK_FIELDS} } }`, { input: { name, flavor } }, token);

async function waitForTask(url: string, taskId: string, token: string = TOKENS.alice) {
  const events = await collect(sse(url, EVENTS, { taskId, after: 0 }, token));
  const task = await query(url, `query ($id: ID!) { task(id: $id) { ${TASK_FIELDS} } }`, { id: taskId }, token);
  return { events: events.map((e) => e.data!.taskEvents), task: task.task };
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

function expectContiguous(events: { seq: number }[], from = 1) {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => from + i));
}

const databases = [
  { name: 'SQLite', database: async () => ({ url: 'sqlite', drop: async () => {} }) },
  { name: 'PostgreSQL', database: () => createPostgresDatabase(inject('postgresUrl')) },
];

describe.each(databases)('sites through the gateway on $name', ({ database }) => {
  let instance: Instance;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    instance = await startInstance({ database: db.url });
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
  });

  it('creates a site and streams its task to completion over SSE, in order', async () => {
    const name = unique('blog');
    const { body } = await createSite(instance.url, name);
    expect(body.errors).toBeUndefined();
    const created = body.data!.createSite;
    expect(created).toMatchObject({ kind: 'createSite', state: 'QUEUED', requestedBy: 'alice' });
    expect(created.steps.map((s: any) => s.name)).toEqual(['place', 'allocate-network', 'create-vm', 'start-vm', 'wait-for-ssh', 'provision', 'publish-dns']);

    const { events, task } = await waitForTask(instance.url, created.id);
    expectContiguous(events);
    expect(events[0].type).toBe('TASK_QUEUED');
    expect(events.at(-1)).toMatchObject({ type: 'TASK_SUCCEEDED', progress: 1 });
    expect(events.map((e) => e.progress)).toEqual([...events.map((e) => e.progress)].sort((a, b) => a - b));
    expect(task).toMatchObject({ state: 'SUCCEEDED', progress: 1, attempt: 1, error: null });

    const { site } = await query(instance.url, `query ($id: ID!) { site(id: $id) { name state owner vmRef flavor { name vcpus memoryMiB diskGiB } } }`, { id: created.siteId }, TOKENS.alice);
    expect(site).toMatchObject({ name, state: 'RUNNING', owner: 'alice', flavor: { name: 'small', vcpus: 1 } });
    expect(site.vmRef).toBeTruthy();
  });

  it('gives each site its production VM, named for the site and known to the hypervisor by its ref', async () => {
    const name = unique('vms');
    const { body } = await createSite(instance.url, name);
    const created = body.data!.createSite;
    const before = await query(instance.url, `query ($id: ID!) { site(id: $id) { vm { id role name ref } } }`, { id: created.siteId }, TOKENS.alice);
    expect(before.site.vm).toMatchObject({ role: 'PRODUCTION', name: `${name}-${created.siteId.slice(0, 8)}` });
    await waitForTask(instance.url, created.id);
    const { site } = await query(
      instance.url,
      `query ($id: ID!) { site(id: $id) { vmRef vm { id ref site { id } } vms { id role } } }`,
      { id: created.siteId },
      TOKENS.alice,
    );
    expect(site.vm).toEqual({ id: before.site.vm.id, ref: site.vmRef, site: { id: created.siteId } });
    expect(site.vmRef).toMatch(/^sim-/);
    expect(site.vms).toEqual([{ id: before.site.vm.id, role: 'PRODUCTION' }]);
  });

  it('replays exactly the missed events to a subscriber that reconnects with after', async () => {
    const { body } = await createSite(instance.url, unique('replay'));
    const taskId = body.data!.createSite.id;
    const all = (await waitForTask(instance.url, taskId)).events;
    const seen = 2;
    const rest = (await collect(sse(instance.url, EVENTS, { taskId, after: seen }, TOKENS.alice))).map((e) => e.data!.taskEvents);
    expect(rest).toEqual(all.slice(seen));
    // The same over graphql-ws.
    const overWs = (await collect(ws(instance.url, EVENTS, { taskId, after: seen }, TOKENS.alice))).map((e) => e.data!.taskEvents);
    expect(overWs).toEqual(all.slice(seen));
  });

  it('follows a task live from its first event, over graphql-ws', async () => {
    const { body } = await createSite(instance.url, unique('live'));
    const taskId = body.data!.createSite.id;
    const events = (await collect(ws(instance.url, EVENTS, { taskId, after: 0 }, TOKENS.alice))).map((e) => e.data!.taskEvents);
    expectContiguous(events);
    expect(events.at(-1)!.type).toBe('TASK_SUCCEEDED');
  });

  it('stops, starts, reboots and deletes a site, one task at a time in order', async () => {
    const name = unique('power');
    const created = (await createSite(instance.url, name)).body.data!.createSite;
    const siteId = created.siteId;
    // Queued behind createSite: each must wait its turn.
    const mutations = ['stopSite', 'startSite', 'rebootSite', 'deleteSite'];
    const ids: string[] = [];
    for (const mutation of mutations) {
      const response = await query(instance.url, `mutation ($id: ID!) { ${mutation}(id: $id) { id state } }`, { id: siteId }, TOKENS.alice);
      ids.push(response[mutation].id);
    }
    const results = [];
    for (const id of [created.id, ...ids]) results.push(await waitForTask(instance.url, id));
    expect(results.map((r) => r.task.state)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const { tasks } = await query(instance.url, `query ($siteId: ID!) { tasks(filter: { siteId: $siteId }, first: 10) { edges { node { id kind startedAt finishedAt } } } }`, { siteId }, TOKENS.alice);
    const byStart = [...tasks.edges.map((e: any) => e.node)].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    expect(byStart.map((t: any) => t.kind)).toEqual(['createSite', ...mutations]);
    for (let i = 1; i < byStart.length; i++) expect(byStart[i].startedAt >= byStart[i - 1].finishedAt).toBe(true);
    const gone = await graphql(instance.url, `query ($id: ID!) { site(id: $id) { id } }`, { id: siteId }, TOKENS.alice);
    expect(errorCodes(gone.body)).toEqual(['NOT_FOUND']);
  });

  it('pages through sites with cursors and answers the federated task → site query', async () => {
    const prefix = unique('page');
    const tasks = [];
    for (let i = 0; i < 5; i++) tasks.push((await createSite(instance.url, `${prefix}-${i}`, TOKENS.bob)).body.data!.createSite);
    const names: string[] = [];
    let after: string | null = null;
    do {
      const { sites }: any = await query(instance.url, `query ($after: String) { sites(first: 2, after: $after, filter: { nameContains: "${prefix}" }) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`, { after }, TOKENS.bob);
      expect(sites.totalCount).toBe(5);
      names.push(...sites.edges.map((e: any) => e.node.name));
      after = sites.pageInfo.hasNextPage ? sites.pageInfo.endCursor : null;
    } while (after);
    expect(names).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`));
    const { task } = await query(instance.url, `query ($id: ID!) { task(id: $id) { kind site { name owner } } }`, { id: tasks[0].id }, TOKENS.bob);
    expect(task).toEqual({ kind: 'createSite', site: { name: `${prefix}-0`, owner: 'bob' } });
    // Alice sees none of Bob's sites; the admin sees them all.
    const alice = await query(instance.url, `{ sites(filter: { nameContains: "${prefix}" }) { totalCount } }`, {}, TOKENS.alice);
    expect(alice.sites.totalCount).toBe(0);
    const admin = await query(instance.url, `{ sites(filter: { nameContains: "${prefix}" }) { totalCount } }`, {}, TOKENS.admin);
    expect(admin.sites.totalCount).toBe(5);
  });

  it('cancels a queued task at once', async () => {
    const created = (await createSite(instance.url, unique('cancel'))).body.data!.createSite;
    const stop = await query(instance.url, `mutation ($id: ID!) { stopSite(id: $id) { id } }`, { id: created.siteId }, TOKENS.alice);
    const start = await query(instance.url, `mutation ($id: ID!) { startSite(id: $id) { id } }`, { id: created.siteId }, TOKENS.alice);
    const cancelled = await graphql(instance.url, `mutation ($id: ID!) { cancelTask(id: $id) { state } }`, { id: start.startSite.id }, TOKENS.alice);
    // It may have finished already on a fast machine; then cancelling is a CONFLICT.
    if (cancelled.body.errors) expect(errorCodes(cancelled.body)).toEqual(['CONFLICT']);
    else expect(['CANCELLED', 'RUNNING']).toContain(cancelled.body.data!.cancelTask.state);
    await waitForTask(instance.url, created.id);
    expect((await waitForTask(instance.url, stop.stopSite.id)).task.state).toBe('SUCCEEDED');
    const final = await waitForTask(instance.url, start.startSite.id);
    expect(['CANCELLED', 'SUCCEEDED']).toContain(final.task.state);
  });

  it('subscribes to task updates of a site for dashboards', async () => {
    const created = (await createSite(instance.url, unique('dash'))).body.data!.createSite;
    await waitForTask(instance.url, created.id);
    const updates = ws(instance.url, `subscription ($siteId: ID) { taskUpdated(siteId: $siteId) { id kind state } }`, { siteId: created.siteId }, TOKENS.alice);
    const first = updates.next();
    // Give the subscription a moment to be live, then cause a change.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await query(instance.url, `mutation ($id: ID!) { rebootSite(id: $id) { id } }`, { id: created.siteId }, TOKENS.alice);
    const update = (await first).value!;
    expect(update.data!.taskUpdated).toMatchObject({ kind: 'rebootSite' });
    await updates.return(undefined);
    const refused = await collect(ws(instance.url, `subscription { taskUpdated { id } }`, {}, TOKENS.alice));
    expect(errorCodes(refused[0] ?? { errors: [] })).toContain('BAD_USER_INPUT');
  });
});
