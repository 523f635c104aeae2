import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import { collect, errorCodes, graphql, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

const ALLOCATED = '{ hypervisorHosts { allocated { vcpus memoryMiB diskGiB } } }';
const allocated = async (url: string) => (await query(url, ALLOCATED, {}, TOKENS.admin)).hypervisorHosts[0].allocated;
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { type } }';
const TASK = 'query ($id: ID!) { task(id: $id) { state error { code message step } } }';

async function run(url: string, mutation: string, variables: Record<string, unknown>) {
  const data = await query(url, mutation, variables, TOKENS.alice);
  const task = Object.values(data)[0] as { id: string; siteId: string };
  await collect(sse(url, EVENTS, { taskId: task.id }, TOKENS.alice));
  return { ...task, ...(await query(url, TASK, { id: task.id }, TOKENS.alice)).task };
}

describe.each([
  { name: 'a driver that can resize (sim)', resize: true },
  { name: 'a driver that cannot', resize: false },
])('resizeSite with $name', ({ resize }) => {
  let instance: Instance;
  const driver = new SimDriver({ store: new MemorySimVmStore(), capabilities: { resize } });

  beforeAll(async () => {
    instance = await startInstance({ overrides: { driver } });
  });
  afterAll(async () => {
    await instance?.close();
  });

  it(resize ? 'gives the VM the new flavor and the site takes it' : 'fails the task with UNSUPPORTED and the site keeps its flavor', async () => {
    const created = await run(instance.url, 'mutation { createSite(input: { name: "grow", flavor: "small" }) { id siteId } }', {});
    const before = await allocated(instance.url);
    const resized = await run(instance.url, 'mutation ($id: ID!) { resizeSite(id: $id, flavor: "medium") { id siteId } }', { id: created.siteId });
    const { site } = await query(instance.url, 'query ($id: ID!) { site(id: $id) { state flavor { name } vmRef } }', { id: created.siteId }, TOKENS.alice);
    const vm = await driver.get(site.vmRef);
    if (resize) {
      expect(resized.state).toBe('SUCCEEDED');
      expect(site).toMatchObject({ state: 'RUNNING', flavor: { name: 'medium' } });
      expect(vm).toMatchObject({ vcpus: 2, memoryMiB: 4096, diskGiB: 40, powerState: 'running' });
      // The host holds the VM's new size: small → medium is 1 vCPU, 2048 MiB and 20 GiB more.
      expect(await allocated(instance.url)).toEqual({ vcpus: before.vcpus + 1, memoryMiB: before.memoryMiB + 2048, diskGiB: before.diskGiB + 20 });
    } else {
      expect(resized).toMatchObject({ state: 'FAILED', error: { code: 'UNSUPPORTED', step: 'resize-vm' } });
      expect(site).toMatchObject({ state: 'RUNNING', flavor: { name: 'small' } });
      expect(vm).toMatchObject({ vcpus: 1, memoryMiB: 2048 });
      expect(await allocated(instance.url)).toEqual(before);
    }
  });

  it('refuses an unknown flavor, the same flavor, and another person', async () => {
    const { sites } = await query(instance.url, '{ sites(first: 1) { edges { node { id flavor { name } } } } }', {}, TOKENS.alice);
    const site = sites.edges[0].node;
    const resizeTo = (flavor: string, token: string = TOKENS.alice) =>
      graphql(instance.url, 'mutation ($id: ID!, $flavor: String!) { resizeSite(id: $id, flavor: $flavor) { id } }', { id: site.id, flavor }, token);
    expect(errorCodes((await resizeTo('huge')).body)).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes((await resizeTo(site.flavor.name)).body)).toEqual(['CONFLICT']);
    expect(errorCodes((await resizeTo('large', TOKENS.bob)).body)).toEqual(['FORBIDDEN']);
  });
});

describe('resizeSite on a host without room for the new size', () => {
  let instance: Instance;

  beforeAll(async () => {
    instance = await startInstance({
      overrides: { driver: new SimDriver({ store: new MemorySimVmStore() }) },
      settings: { inventory: { seedHosts: [{ name: 'tight', driver: 'sim', uri: 'sim:///tight', capacity: { vcpus: 4, memoryMiB: 3072, diskGiB: 100 } }] } },
    });
  });
  afterAll(() => instance?.close());

  it('fails with NO_CAPACITY before touching the VM, and the host and the site stay as they were', async () => {
    const created = await run(instance.url, 'mutation { createSite(input: { name: "cramped", flavor: "small" }) { id siteId } }', {});
    expect(created.state).toBe('SUCCEEDED');
    const before = await allocated(instance.url);
    const resized = await run(instance.url, 'mutation ($id: ID!) { resizeSite(id: $id, flavor: "medium") { id siteId } }', { id: created.siteId });
    expect(resized).toMatchObject({ state: 'FAILED', error: { code: 'NO_CAPACITY', step: 'resize-placement', message: expect.stringContaining('tight') } });
    expect(await allocated(instance.url)).toEqual(before);
    const { site } = await query(instance.url, 'query ($id: ID!) { site(id: $id) { state flavor { name } } }', { id: created.siteId }, TOKENS.alice);
    expect(site).toEqual({ state: 'RUNNING', flavor: { name: 'small' } });
  });
});
