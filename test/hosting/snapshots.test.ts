import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fatal } from '../../drivers/driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import { collect, errorCodes, graphql, query, sse } from '../support/graphql-client.js';
import { eventually } from '../support/eventually.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

const TASK = 'id kind state siteId error { code message step }';
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { type } }';
const SNAPSHOTS = 'query ($id: ID!) { site(id: $id) { state vmRef snapshots { id name kind state takenBy createdAt vm { role } } } }';

/** The gateway, a sim driver the test can look into, and the helpers every suite here uses. */
function snapshotInstance(options: { settings?: Record<string, unknown>; clock?: () => Date } = {}) {
  const driver = new SimDriver({ store: new MemorySimVmStore() });
  const context = { instance: null as unknown as Instance, driver };
  beforeAll(async () => {
    context.instance = await startInstance({ overrides: { driver, clock: options.clock }, settings: options.settings });
  });
  afterAll(async () => {
    await context.instance?.close();
  });
  const ask = (text: string, token: string = TOKENS.alice) => graphql(context.instance.url, text, {}, token);
  async function run(text: string, token: string = TOKENS.alice) {
    const { body } = await ask(`mutation { ${text} { ${TASK} } }`, token);
    expect(body.errors, text).toBeUndefined();
    const started = Object.values(body.data!)[0] as { id: string };
    await collect(sse(context.instance.url, EVENTS, { taskId: started.id }, token));
    return (await query(context.instance.url, `query ($id: ID!) { task(id: $id) { ${TASK} } }`, { id: started.id }, token)).task;
  }
  const site = async (id: string, token: string = TOKENS.alice) => (await query(context.instance.url, SNAPSHOTS, { id }, token)).site;
  async function createSite(name: string, token: string = TOKENS.alice) {
    const task = await run(`createSite(input: { name: "${name}", flavor: "small" })`, token);
    expect(task.state).toBe('SUCCEEDED');
    return task.siteId as string;
  }
  return { context, ask, run, site, createSite, codeOf: async (text: string, token?: string) => errorCodes((await ask(text, token)).body) };
}

describe('snapshots through the gateway (sim)', () => {
  const { context, run, site, createSite, codeOf } = snapshotInstance({ settings: { defaultQuota: { snapshots: 3 } } });

  it('takes a named snapshot of production, lists it on the site and on the hypervisor', async () => {
    const id = await createSite('snappy');
    const task = await run(`createSnapshot(siteId: "${id}", name: "before-upgrade")`);
    expect(task).toMatchObject({ kind: 'createSnapshot', state: 'SUCCEEDED' });
    const { snapshots, vmRef } = await site(id);
    expect(snapshots).toMatchObject([{ name: 'before-upgrade', kind: 'MANUAL', state: 'READY', takenBy: 'alice', vm: { role: 'PRODUCTION' } }]);
    expect((await context.driver.listSnapshots(vmRef)).map((snapshot) => snapshot.name)).toEqual(['before-upgrade']);

    // Without a name it is named after the time.
    await run(`createSnapshot(siteId: "${id}")`);
    expect((await site(id)).snapshots.map((snapshot: { name: string }) => snapshot.name)).toEqual([expect.stringMatching(/^snapshot-\d{8}-\d{6}$/), 'before-upgrade']);
  });

  it('restores a snapshot with its power state, but keeps a disabled site switched off', async () => {
    const id = await createSite('restorable');
    await run(`createSnapshot(siteId: "${id}", name: "running")`);
    const [snapshot] = (await site(id)).snapshots;
    await run(`stopSite(id: "${id}")`);
    expect((await run(`restoreSnapshot(id: "${snapshot.id}")`)).state).toBe('SUCCEEDED');
    const restored = await site(id);
    expect(restored.state).toBe('RUNNING');
    expect((await context.driver.get(restored.vmRef))!.powerState).toBe('running');

    await run(`disableSite(id: "${id}")`);
    await run(`restoreSnapshot(id: "${snapshot.id}")`);
    const disabled = await site(id);
    expect(disabled.state).toBe('DISABLED');
    expect((await context.driver.get(disabled.vmRef))!.powerState).toBe('stopped');
    await run(`deleteSnapshot(id: "${snapshot.id}")`);
  });

  it('deletes a snapshot from the site and the hypervisor, and gives its quota back', async () => {
    const id = await createSite('quota', TOKENS.bob);
    // A snapshot the hypervisor would not take leaves no row and takes no quota.
    context.driver.injectFault('createSnapshot', new Fatal('sim: storage full'));
    expect(await run(`createSnapshot(siteId: "${id}", name: "broken")`, TOKENS.bob)).toMatchObject({ state: 'FAILED', error: { step: 'take-snapshot' } });
    expect((await site(id, TOKENS.bob)).snapshots).toEqual([]);
    for (const name of ['one', 'two', 'three']) expect((await run(`createSnapshot(siteId: "${id}", name: "${name}")`, TOKENS.bob)).state).toBe('SUCCEEDED');
    expect(await codeOf(`mutation { createSnapshot(siteId: "${id}", name: "four") { id } }`, TOKENS.bob)).toEqual(['QUOTA_EXCEEDED']);
    const { snapshots, vmRef } = await site(id, TOKENS.bob);
    const two = snapshots.find((snapshot: { name: string }) => snapshot.name === 'two');
    expect((await run(`deleteSnapshot(id: "${two.id}")`, TOKENS.bob)).state).toBe('SUCCEEDED');
    expect((await site(id, TOKENS.bob)).snapshots.map((snapshot: { name: string }) => snapshot.name).sort()).toEqual(['one', 'three']);
    expect((await context.driver.listSnapshots(vmRef)).map((snapshot) => snapshot.name).sort()).toEqual(['one', 'three']);
    expect(await codeOf(`mutation { deleteSnapshot(id: "${two.id}") { id } }`, TOKENS.bob)).toEqual(['NOT_FOUND']);
    expect((await run(`createSnapshot(siteId: "${id}", name: "four")`, TOKENS.bob)).state).toBe('SUCCEEDED');
    // Deleting the site gives back what its snapshots held.
    expect((await run(`deleteSite(id: "${id}")`, TOKENS.bob)).state).toBe('SUCCEEDED');
    const other = await createSite('quota-after', TOKENS.bob);
    expect((await run(`createSnapshot(siteId: "${other}", name: "fresh")`, TOKENS.bob)).state).toBe('SUCCEEDED');
  });

  it('refuses bad names, a taken name, unknown snapshots and people who may not manage the site, writing nothing', async () => {
    const id = await createSite('guarded');
    await run(`createSnapshot(siteId: "${id}", name: "taken")`);
    const before = (await site(id)).snapshots;
    expect(await codeOf(`mutation { createSnapshot(siteId: "${id}", name: "has space") { id } }`)).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf(`mutation { createSnapshot(siteId: "${id}", name: "nightly-2026-01-01") { id } }`)).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf(`mutation { createSnapshot(siteId: "${id}", name: "${'x'.repeat(65)}") { id } }`)).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf(`mutation { createSnapshot(siteId: "${id}", name: "taken") { id } }`)).toEqual(['CONFLICT']);
    expect(await codeOf(`mutation { createSnapshot(siteId: "${randomUUID()}") { id } }`)).toEqual(['NOT_FOUND']);
    expect(await codeOf(`mutation { restoreSnapshot(id: "${randomUUID()}") { id } }`)).toEqual(['NOT_FOUND']);
    expect(await codeOf(`mutation { createSnapshot(siteId: "${id}", name: "bobs") { id } }`, TOKENS.bob)).toEqual(['FORBIDDEN']);
    expect(await codeOf(`mutation { restoreSnapshot(id: "${before[0].id}") { id } }`, TOKENS.bob)).toEqual(['FORBIDDEN']);
    expect(await codeOf(`mutation { deleteSnapshot(id: "${before[0].id}") { id } }`, TOKENS.bob)).toEqual(['FORBIDDEN']);
    expect((await site(id)).snapshots).toEqual(before);
  });
});

describe('nightly snapshots with retention (sim, a clock the test moves)', () => {
  let now = new Date('2026-03-01T02:30:00Z');
  const days = (count: number) => (now = new Date(now.getTime() + count * 86_400_000));
  const { context, site, createSite } = snapshotInstance({
    clock: () => now,
    settings: { siteLifecycle: { nightlySnapshots: { schedule: '* * * * * *', keep: 2, maxAgeDays: 1.5 } } },
  });
  const nightlyNames = async (id: string) =>
    (await site(id)).snapshots.filter((snapshot: { kind: string; state: string }) => snapshot.kind === 'NIGHTLY' && snapshot.state === 'READY').map((snapshot: { name: string }) => snapshot.name);

  it('takes one snapshot a night per site and deletes those beyond the count and the age', async () => {
    const id = await createSite('nightly');
    await eventually(async () => expect(await nightlyNames(id)).toEqual(['nightly-2026-03-01']), { timeoutMs: 10_000 });
    days(1);
    await eventually(async () => expect(await nightlyNames(id)).toEqual(['nightly-2026-03-02', 'nightly-2026-03-01']), { timeoutMs: 10_000 });
    days(1);
    // Two are kept: the oldest goes.
    await eventually(async () => expect(await nightlyNames(id)).toEqual(['nightly-2026-03-03', 'nightly-2026-03-02']), { timeoutMs: 10_000 });
    days(3);
    // Older than a day and a half: both go, tonight's stays.
    await eventually(async () => expect(await nightlyNames(id)).toEqual(['nightly-2026-03-06']), { timeoutMs: 10_000 });
    const { snapshots, vmRef } = await site(id);
    expect(snapshots).toMatchObject([{ takenBy: 'service:scheduler', kind: 'NIGHTLY' }]);
    expect((await context.driver.listSnapshots(vmRef)).map((snapshot) => snapshot.name)).toEqual(['nightly-2026-03-06']);
  });
});
