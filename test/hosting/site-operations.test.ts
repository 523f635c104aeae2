import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { collect, errorCodes, graphql, query, sse } from '../support/graphql-client.js';
import { eventually } from '../support/eventually.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { GatedSimDriver } from './fixtures/gated-sim-driver.js';
import { GatedProvisioner } from './gated-provisioner.js';

const TASK = 'id kind state siteId steps { name state } error { code message step }';
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { seq type step } }';
const SITE = 'query ($id: ID!) { site(id: $id) { id name state vmRef suspension { reason suspendedBy suspendedAt } cancelledAt destroyAfter } }';

/** Retention of cancelled sites in the test: long enough to look at one, short enough to see it go. */
const RETENTION_HOURS = 4 / 3600;

const databases = [
  { name: 'SQLite', database: async () => ({ url: 'sqlite', drop: async () => {} }) },
  { name: 'PostgreSQL', database: () => createPostgresDatabase(inject('postgresUrl')) },
];

describe.each(databases)('power and state operations through the gateway on $name', ({ database }) => {
  let instance: Instance;
  let drop: () => Promise<void>;
  const driver = new GatedSimDriver();
  const provisioner = new GatedProvisioner();

  const ask = (text: string, variables: Record<string, unknown> = {}, token: string = TOKENS.alice) => graphql(instance.url, text, variables, token);

  /** Runs a mutation that returns a task and follows the task to its end; returns the task and its events. */
  async function run(text: string, variables: Record<string, unknown> = {}, token: string = TOKENS.alice) {
    const { body } = await ask(text.replace(/\{\s*$/, `{ ${TASK} } }`), variables, token);
    expect(body.errors).toBeUndefined();
    const started = Object.values(body.data!)[0] as { id: string };
    const events = (await collect(sse(instance.url, EVENTS, { taskId: started.id }, token))).map((event) => event.data!.taskEvents);
    const { task } = await query(instance.url, `query ($id: ID!) { task(id: $id) { ${TASK} } }`, { id: started.id }, token);
    return { task, events };
  }
  const site = async (id: string, token: string = TOKENS.alice) => (await query(instance.url, SITE, { id }, token)).site;
  const vmOf = async (id: string) => driver.get((await site(id, TOKENS.admin)).vmRef);
  async function createSite(name: string) {
    const { task } = await run(`mutation { createSite(input: { name: "${name}", flavor: "small" }) {`);
    expect(task.state).toBe('SUCCEEDED');
    return task.siteId as string;
  }
  const codeOf = async (text: string, token: string = TOKENS.alice) => errorCodes((await ask(text, {}, token)).body);

  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    instance = await startInstance({
      database: db.url,
      overrides: { driver, provisioner },
      settings: { siteLifecycle: { cancelledRetentionHours: RETENTION_HOURS, cancelledSweepSchedule: '* * * * * *' } },
    });
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
  });

  it('resets a running site: the VM is powered off and on again, and the task streams each step', async () => {
    const id = await createSite('reset-me');
    const { task, events } = await run('mutation ($id: ID!) { resetSite(id: $id) {', { id });
    expect(task).toMatchObject({ kind: 'resetSite', state: 'SUCCEEDED', steps: [{ name: 'power-off', state: 'SUCCEEDED' }, { name: 'power-on', state: 'SUCCEEDED' }] });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.filter((event) => event.type === 'STEP_SUCCEEDED').map((event) => event.step)).toEqual(['power-off', 'power-on']);
    expect((await site(id)).state).toBe('RUNNING');
    expect((await vmOf(id))!.powerState).toBe('running');
    // A stopped site has nothing to reset.
    await run('mutation ($id: ID!) { stopSite(id: $id) {', { id });
    expect(await codeOf(`mutation { resetSite(id: "${id}") { id } }`)).toEqual(['CONFLICT']);
  });

  it('disables a site (VM off, start refused) and enables it again', async () => {
    const id = await createSite('disable-me');
    expect((await run('mutation ($id: ID!) { disableSite(id: $id) {', { id })).task.state).toBe('SUCCEEDED');
    expect((await site(id)).state).toBe('DISABLED');
    expect((await vmOf(id))!.powerState).toBe('stopped');
    expect(await codeOf(`mutation { startSite(id: "${id}") { id } }`)).toEqual(['CONFLICT']);
    expect(await codeOf(`mutation { disableSite(id: "${id}") { id } }`)).toEqual(['CONFLICT']);
    expect((await run('mutation ($id: ID!) { enableSite(id: $id) {', { id })).task.state).toBe('SUCCEEDED');
    expect((await site(id)).state).toBe('RUNNING');
    expect((await vmOf(id))!.powerState).toBe('running');
  });

  it('quarantines a compromised site until it is unquarantined', async () => {
    const id = await createSite('compromised');
    const { task } = await run('mutation ($id: ID!) { quarantineSite(id: $id) {', { id });
    expect(task).toMatchObject({ state: 'SUCCEEDED', steps: [{ name: 'stop-web-and-mail' }] });
    expect((await site(id)).state).toBe('QUARANTINED');
    // Web and mail are stopped by the quarantine role; the VM runs on, with SSH for the clean-up.
    expect((await vmOf(id))!.powerState).toBe('running');
    expect(provisioner.lastRoles()).toEqual(['quarantine']);
    for (const mutation of ['startSite', 'rebootSite', 'enableSite']) expect(await codeOf(`mutation { ${mutation}(id: "${id}") { id } }`)).toEqual(['CONFLICT']);
    await run('mutation ($id: ID!) { unquarantineSite(id: $id) {', { id });
    expect((await site(id)).state).toBe('RUNNING');
    expect((await vmOf(id))!.powerState).toBe('running');
    expect(provisioner.lastRoles()).toEqual(['unquarantine']);
  });

  it("suspends a site with a reason that only platform admins can lift, whatever the site's admins try", async () => {
    const id = await createSite('unpaid');
    expect(await codeOf(`mutation { suspendSite(id: "${id}", reason: "mine") { id } }`)).toEqual(['FORBIDDEN']);
    expect(await codeOf(`mutation { suspendSite(id: "${id}", reason: "  ") { id } }`, TOKENS.admin)).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf(`mutation { unsuspendSite(id: "${id}") { id } }`, TOKENS.admin)).toEqual(['CONFLICT']);
    expect((await site(id)).suspension).toBeNull();

    const { task } = await run('mutation ($id: ID!) { suspendSite(id: $id, reason: "invoice 42 unpaid") {', { id }, TOKENS.admin);
    expect(task.state).toBe('SUCCEEDED');
    const suspended = await site(id);
    expect(suspended).toMatchObject({ state: 'DISABLED', suspension: { reason: 'invoice 42 unpaid', suspendedBy: 'root' } });
    expect((await vmOf(id))!.powerState).toBe('stopped');
    // Lists show it too.
    const { sites } = await query(instance.url, '{ sites(filter: { nameContains: "unpaid" }) { edges { node { state suspension { reason suspendedAt } } } } }', {}, TOKENS.alice);
    expect(sites.edges).toEqual([{ node: { state: 'DISABLED', suspension: { reason: 'invoice 42 unpaid', suspendedAt: suspended.suspension.suspendedAt } } }]);

    const refused = await ask(`mutation { enableSite(id: "${id}") { id } }`);
    expect(errorCodes(refused.body)).toEqual(['SITE_SUSPENDED']);
    expect(refused.body.errors![0]!.message).toContain('invoice 42 unpaid');
    for (const mutation of [`startSite(id: "${id}")`, `deleteSite(id: "${id}")`, `cancelSite(id: "${id}")`, `createSnapshot(siteId: "${id}")`, `cloneToTest(siteId: "${id}")`, `resizeSite(id: "${id}", flavor: "medium")`]) {
      expect(await codeOf(`mutation { ${mutation} { id } }`), mutation).toEqual(['SITE_SUSPENDED']);
    }
    expect(await codeOf(`mutation { unsuspendSite(id: "${id}") { id } }`)).toEqual(['FORBIDDEN']);
    expect((await site(id)).suspension).not.toBeNull();

    await run('mutation ($id: ID!) { unsuspendSite(id: $id) {', { id }, TOKENS.admin);
    expect(await site(id)).toMatchObject({ state: 'RUNNING', suspension: null });
    expect((await vmOf(id))!.powerState).toBe('running');
  });

  it('cancels a site: powered off now, refuses everything but deleteSite, and is destroyed after the retention', async () => {
    const id = await createSite('goodbye');
    const ref = (await site(id)).vmRef;
    const before = Date.now();
    expect((await run('mutation ($id: ID!) { cancelSite(id: $id) {', { id })).task.state).toBe('SUCCEEDED');
    const cancelled = await site(id);
    expect(cancelled.state).toBe('CANCELLED');
    expect(new Date(cancelled.destroyAfter).getTime() - new Date(cancelled.cancelledAt).getTime()).toBe(RETENTION_HOURS * 3_600_000);
    expect(new Date(cancelled.cancelledAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    // Kept through the retention: powered off, not gone.
    expect((await driver.get(ref))!.powerState).toBe('stopped');
    for (const mutation of [`startSite(id: "${id}")`, `enableSite(id: "${id}")`, `createSnapshot(siteId: "${id}")`, `cancelSite(id: "${id}")`]) {
      expect(await codeOf(`mutation { ${mutation} { id } }`), mutation).toEqual(['SITE_CANCELLED']);
    }
    await eventually(async () => expect(await codeOf(`{ site(id: "${id}") { id } }`)).toEqual(['NOT_FOUND']), { timeoutMs: 20_000 });
    expect(Date.now() - before).toBeGreaterThanOrEqual(RETENTION_HOURS * 3_600_000 - 1000);
    expect(await driver.get(ref)).toBeNull();
  });

  it('refuses unknown sites, bad ids and people who may not manage the site', async () => {
    const id = await createSite('not-bobs');
    expect(await codeOf(`mutation { disableSite(id: "${randomUUID()}") { id } }`)).toEqual(['NOT_FOUND']);
    expect(await codeOf(`mutation { resetSite(id: "not-an-id") { id } }`)).toEqual(['BAD_USER_INPUT']);
    for (const mutation of ['resetSite', 'disableSite', 'quarantineSite', 'cancelSite']) {
      expect(await codeOf(`mutation { ${mutation}(id: "${id}") { id } }`, TOKENS.bob), mutation).toEqual(['FORBIDDEN']);
    }
    expect((await site(id)).state).toBe('RUNNING');
  });

  it('refuses a second conflicting task while one runs, naming it; other work still queues', async () => {
    const id = await createSite('busy');
    const gate = driver.hold();
    const { body } = await ask(`mutation { disableSite(id: "${id}") { id } }`);
    const disabling = body.data!.disableSite.id;
    try {
      await gate.entered;
      for (const mutation of [`enableSite(id: "${id}")`, `quarantineSite(id: "${id}")`, `startSite(id: "${id}")`, `cloneToTest(siteId: "${id}")`]) {
        const refused = await ask(`mutation { ${mutation} { id } }`);
        expect(errorCodes(refused.body), mutation).toEqual(['CONFLICT']);
        expect(refused.body.errors![0]!.extensions!.taskId, mutation).toBe(disabling);
      }
      // A snapshot does not depend on the state being changed: it waits its turn.
      const snapshot = await ask(`mutation { createSnapshot(siteId: "${id}", name: "while-busy") { id state } }`);
      expect(snapshot.body.data!.createSnapshot.state).toBe('QUEUED');
      gate.release();
      await collect(sse(instance.url, EVENTS, { taskId: snapshot.body.data!.createSnapshot.id }, TOKENS.alice));
    } finally {
      gate.release();
    }
    expect((await site(id)).state).toBe('DISABLED');
  });

  it('queues exactly one of two identical requests made at the same moment', async () => {
    const id = await createSite('twice');
    const gate = driver.hold();
    try {
      const answers = await Promise.all([1, 2].map(() => ask(`mutation { quarantineSite(id: "${id}") { id } }`)));
      expect(answers.map((answer) => errorCodes(answer.body)[0] ?? 'QUEUED').sort()).toEqual(['CONFLICT', 'QUEUED']);
      const { tasks } = await query(instance.url, `query ($id: ID!) { tasks(filter: { siteId: $id, kind: "quarantineSite" }) { totalCount } }`, { id }, TOKENS.alice);
      expect(tasks.totalCount).toBe(1);
    } finally {
      gate.release();
    }
    await eventually(async () => expect((await site(id)).state).toBe('QUARANTINED'));
  });
});
