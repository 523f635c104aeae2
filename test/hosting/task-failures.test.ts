import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fatal, Transient } from '../../drivers/driver.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { collect, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

const EVENTS = `subscription ($taskId: ID!) { taskEvents(taskId: $taskId) { seq type step message } }`;

/** Steps fail on purpose here: a task either completes or undoes what it did. */
describe('task failures', () => {
  let instance: Instance;
  const driver = new SimDriver({ store: new MemorySimVmStore() });

  beforeAll(async () => {
    instance = await startInstance({ overrides: { driver } });
  });
  afterAll(() => instance?.close());

  const createSite = async (name: string) =>
    (await query(instance.url, `mutation { createSite(input: { name: "${name}", flavor: "small" }) { id siteId } }`, {}, TOKENS.alice)).createSite;
  const finish = async (taskId: string) => {
    const events = (await collect(sse(instance.url, EVENTS, { taskId }, TOKENS.alice))).map((e) => e.data!.taskEvents);
    const { task } = await query(instance.url, `query ($id: ID!) { task(id: $id) { state attempt error { code message step } steps { name state } site { state vmRef } } }`, { id: taskId }, TOKENS.alice);
    return { events, task };
  };

  it('destroys the VM of a createSite whose start fails, and leaves the site FAILED', async () => {
    driver.injectFault('start', new Fatal('VM_HVM_REQUIRED: the host has no hardware virtualisation'));
    const created = await createSite('doomed');
    const { events, task } = await finish(created.id);
    expect(task.state).toBe('FAILED');
    expect(task.error).toEqual({ code: 'HYPERVISOR_ERROR', message: 'VM_HVM_REQUIRED: the host has no hardware virtualisation', step: 'start-vm' });
    expect(task.steps).toEqual([
      { name: 'place', state: 'COMPENSATED' },
      { name: 'allocate-network', state: 'COMPENSATED' },
      { name: 'create-vm', state: 'COMPENSATED' },
      { name: 'start-vm', state: 'COMPENSATED' },
      { name: 'wait-for-ssh', state: 'PENDING' },
      { name: 'provision', state: 'PENDING' },
      { name: 'publish-dns', state: 'PENDING' },
    ]);
    expect(task.site).toEqual({ state: 'FAILED', vmRef: null });
    expect(events.map((e) => e.type)).toContain('TASK_COMPENSATING');
    expect(events.at(-1)!.type).toBe('TASK_FAILED');
    // Nothing leaked on the hypervisor.
    expect((await driver.list()).filter((vm) => vm.labels.siteId === created.siteId)).toEqual([]);
  });

  it('retries a transient failure with backoff and then succeeds', async () => {
    driver.injectFault('create', new Transient('host busy'), 2);
    const created = await createSite('flaky');
    const { events, task } = await finish(created.id);
    expect(task.state).toBe('SUCCEEDED');
    expect(task.attempt).toBe(3);
    expect(events.filter((e) => e.type === 'TASK_RETRYING')).toHaveLength(2);
    expect((await driver.list()).filter((vm) => vm.labels.siteId === created.siteId)).toHaveLength(1);
  });

  it('gives up after the last retry and compensates', async () => {
    driver.injectFault('create', new Transient('host unreachable'), 10);
    const created = await createSite('unreachable');
    const { task } = await finish(created.id);
    expect(task.state).toBe('FAILED');
    expect(task.error.code).toBe('TRANSIENT');
    expect(task.site.state).toBe('FAILED');
    expect((await driver.list()).filter((vm) => vm.labels.siteId === created.siteId)).toEqual([]);
  });

  it('refuses to power a FAILED site', async () => {
    const created = await createSite('failed-again');
    driver.injectFault('start', new Fatal('no'));
    // The fault is consumed by this createSite's start step.
    await finish(created.id);
    const response = await fetch(instance.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.alice}` },
      body: JSON.stringify({ query: `mutation { startSite(id: "${created.siteId}") { id } }` }),
    });
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('CONFLICT');
  });
});
