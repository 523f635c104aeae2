import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fatal, Transient } from '../../drivers/driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import { Fatal as ProvisionerFatal } from '../../plugins/plugin-errors.js';
import type { ProvisionTarget, RoleApplication, RunOptions } from '../../plugins/provisioner/provisioner.js';
import type { VmEndpoint, VmEndpoints } from '../../plugins/provisioner/vm-endpoints.js';
import type { ServiceAddresses } from '../../subgraphs/hosting/test-copy/service-addresses.js';
import { GatedProvisioner } from './gated-provisioner.js';
import { collect, errorCodes, graphql, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

const TASK = 'id kind state siteId attempt steps { name state } error { code message step }';
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { type } }';
const SITE = 'query ($id: ID!) { site(id: $id) { state vm { id name ref } vms { id role name ref } } }';
const PLACEMENT = 'query ($vmId: ID!) { vmPlacement(vmId: $vmId) { host { name } } }';

describe('the test copy through the gateway (sim)', () => {
  let instance: Instance;
  const driver = new SimDriver({ store: new MemorySimVmStore() });
  /** What ipreg would have been told. */
  const told: string[] = [];
  /** Which name each VM serves, as ipreg would have it after what it was told (a VM it was not told of is production). */
  const serving = new Map<string, 'production' | 'test'>();
  const serviceAddresses: ServiceAddresses = {
    addTest: async ({ testVmId }) => {
      told.push(`add ${testVmId}`);
      serving.set(testVmId, 'test');
    },
    removeTest: async ({ testVmId }) => {
      told.push(`remove ${testVmId}`);
      serving.delete(testVmId);
    },
    assign: async ({ productionVmId, testVmId }) => {
      told.push(`production ${productionVmId} test ${testVmId}`);
      serving.set(productionVmId, 'production').set(testVmId, 'test');
    },
  };
  const ADDRESSES = { production: ['192.0.2.10', '2001:db8::10'], test: ['192.0.2.20', '2001:db8::20'] };
  /** ipreg's endpoints, from the names the fake above gave: each VM its own host name, and the addresses of the name it serves. */
  const vmEndpoints: VmEndpoints = {
    async endpointOf(vm): Promise<VmEndpoint> {
      const role = serving.get(vm.vmId) ?? 'production';
      return { host: `${vm.vmName}.vm.test`, hostKeys: [], hostName: `${vm.vmName}.hosting.test`, serviceName: `${role}.${vm.siteName}.hosting.test`, serviceAddresses: ADDRESSES[role] };
    },
  };
  /** The sim provisioner, whose runs on one VM can be made to fail (an unreachable VM). */
  const provisioner = new (class extends GatedProvisioner {
    failingHost: string | null = null;
    override async run(target: ProvisionTarget, roles: RoleApplication[], options?: RunOptions) {
      if (target.host === this.failingHost && roles.length > 0) throw new ProvisionerFatal(`ssh: ${target.host} refused the connection`);
      return super.run(target, roles, options);
    }
  })();
  /** The service addresses each VM was last asked to carry, by VM name. */
  const carried = () => {
    const last = new Map<string, unknown>();
    for (const run of provisioner.sim.runs) {
      const role = run.roles.find((application) => application.role === 'service-addresses');
      if (role) last.set(run.target.host.replace(/\.vm\.test$/, ''), role.parameters?.addresses);
    }
    return Object.fromEntries(last);
  };

  beforeAll(async () => {
    instance = await startInstance({ overrides: { driver, serviceAddresses, vmEndpoints, provisioner } });
  });
  afterAll(async () => {
    await instance?.close();
  });

  const ask = (text: string, token: string = TOKENS.alice) => graphql(instance.url, text, {}, token);
  const codeOf = async (text: string, token?: string) => errorCodes((await ask(text, token)).body);
  async function run(text: string, token: string = TOKENS.alice) {
    const { body } = await ask(`mutation { ${text} { ${TASK} } }`, token);
    expect(body.errors, text).toBeUndefined();
    const started = Object.values(body.data!)[0] as { id: string };
    await collect(sse(instance.url, EVENTS, { taskId: started.id }, token));
    return (await query(instance.url, `query ($id: ID!) { task(id: $id) { ${TASK} } }`, { id: started.id }, token)).task;
  }
  const site = async (id: string) => (await query(instance.url, SITE, { id }, TOKENS.alice)).site;
  async function createSite(name: string, token: string = TOKENS.alice) {
    const task = await run(`createSite(input: { name: "${name}", flavor: "small" })`, token);
    expect(task.state).toBe('SUCCEEDED');
    return task.siteId as string;
  }

  it('clones production to a test VM, promotes it with switchServices, and removes the old production', async () => {
    const id = await createSite('promote');
    const production = (await site(id)).vm;
    // What the test copy must carry over: a snapshot taken of production before the copy stays with production.
    await run(`createSnapshot(siteId: "${id}", name: "before-copy")`);

    const cloned = await run(`cloneToTest(siteId: "${id}")`);
    expect(cloned).toMatchObject({
      state: 'SUCCEEDED',
      steps: ['place-test', 'add-test-addresses', 'stop-production', 'revert-to-snapshot', 'clone-vm', 'return-production', 'start-production', 'start-test', 'test-service-addresses'].map((name) => ({ name, state: 'SUCCEEDED' })),
    });
    const withTest = await site(id);
    expect(withTest.state).toBe('RUNNING');
    const test = withTest.vms.find((vm: { role: string }) => vm.role === 'TEST');
    expect(test.name).toMatch(/^promote-test-[0-9a-f]{8}$/);
    const [productionVm, testVm] = [await driver.get(production.ref), await driver.get(test.ref)];
    expect(productionVm).toMatchObject({ powerState: 'running' });
    expect(testVm).toMatchObject({ powerState: 'running', vcpus: productionVm!.vcpus, memoryMiB: productionVm!.memoryMiB, diskGiB: productionVm!.diskGiB });
    expect(await driver.listSnapshots(test.ref)).toEqual([]);
    // The clone lives where its source does.
    const where = async (vmId: string) => (await query(instance.url, PLACEMENT, { vmId }, TOKENS.admin)).vmPlacement.host.name;
    expect(await where(test.id)).toBe(await where(production.id));
    expect(await codeOf(`mutation { cloneToTest(siteId: "${id}") { id } }`)).toEqual(['CONFLICT']);
    // Each VM carries the addresses of the name it serves, and the copy was seeded with a host name of its own.
    expect(carried()).toMatchObject({ [production.name]: ADDRESSES.production, [test.name]: ADDRESSES.test });
    expect((await driver.seedOf(test.ref))?.hostname).toBe(test.name);

    expect((await run(`switchServices(siteId: "${id}")`)).state).toBe('SUCCEEDED');
    // The promoted VM was asked to carry the production addresses, the demoted one the test copy's.
    expect(carried()).toMatchObject({ [production.name]: ADDRESSES.test, [test.name]: ADDRESSES.production });
    const switched = await site(id);
    expect(switched.vm).toEqual({ id: test.id, name: test.name, ref: test.ref });
    expect(switched.vms).toEqual(expect.arrayContaining([expect.objectContaining({ id: production.id, role: 'TEST' })]));
    // The snapshot belongs to the VM it was taken of, now the test copy.
    const { site: snapshots } = await query(instance.url, `query ($id: ID!) { site(id: $id) { snapshots { name vm { id role } } } }`, { id }, TOKENS.alice);
    expect(snapshots.snapshots).toEqual([{ name: 'before-copy', vm: { id: production.id, role: 'TEST' } }]);

    expect((await run(`removeTest(siteId: "${id}")`)).state).toBe('SUCCEEDED');
    expect(told.splice(0)).toEqual([`add ${test.id}`, `production ${test.id} test ${production.id}`, `remove ${production.id}`]);
    const after = await site(id);
    expect(after.vms).toEqual([{ id: test.id, role: 'PRODUCTION', name: test.name, ref: test.ref }]);
    expect(await driver.get(production.ref)).toBeNull();
    expect((await query(instance.url, `query ($id: ID!) { site(id: $id) { snapshots { name } } }`, { id }, TOKENS.alice)).site.snapshots).toEqual([]);
    expect((await query(instance.url, PLACEMENT, { vmId: production.id }, TOKENS.admin)).vmPlacement).toBeNull();
    // The promoted VM serves the site: power operations act on it.
    await run(`stopSite(id: "${id}")`);
    expect((await driver.get(test.ref))!.powerState).toBe('stopped');
  });

  it('undoes a switch whose VM cannot be given its new addresses: names and addresses back as they were, on both VMs', async () => {
    const id = await createSite('switch-fails');
    await run(`cloneToTest(siteId: "${id}")`);
    const before = await site(id);
    const [production, test] = ['PRODUCTION', 'TEST'].map((role) => before.vms.find((vm: { role: string }) => vm.role === role));
    told.splice(0);
    provisioner.failingHost = `${test.name}.vm.test`;
    const switched = await run(`switchServices(siteId: "${id}")`).finally(() => (provisioner.failingHost = null));
    expect(switched).toMatchObject({ state: 'FAILED', error: { step: 'move-service-addresses', message: expect.stringContaining('refused the connection') } });
    expect(switched.steps.map((step: { state: string }) => step.state)).toEqual(['COMPENSATED', 'COMPENSATED', 'PENDING']);
    // ipreg was told to swap, then to swap back; the demoted VM had lost the production addresses and has them again.
    expect(told.splice(0)).toEqual([`production ${test.id} test ${production.id}`, `production ${production.id} test ${test.id}`]);
    const runsOnProduction = provisioner.sim.runs.filter((entry) => entry.target.host === `${production.name}.vm.test`).slice(-2);
    expect(runsOnProduction.map((entry) => entry.roles[0]?.parameters?.addresses)).toEqual([ADDRESSES.test, ADDRESSES.production]);
    expect(carried()).toMatchObject({ [production.name]: ADDRESSES.production, [test.name]: ADDRESSES.test });
    expect((await site(id)).vm.id).toBe(production.id);
    await run(`removeTest(siteId: "${id}")`);
  });

  it('places the test copy on the host of production, even when another host has more room', async () => {
    const id = await createSite('pinned');
    const production = (await site(id)).vm;
    await query(
      instance.url,
      'mutation ($input: AddHypervisorHostInput!) { addHypervisorHost(input: $input) { id } }',
      { input: { name: 'sim-roomy', driver: 'sim', uri: 'sim:///roomy', capacity: { vcpus: 4096, memoryMiB: 64 * 1024 * 1024, diskGiB: 1024 * 1024 } } },
      TOKENS.admin,
    );
    const elsewhere = await createSite('elsewhere');
    const where = async (vmId: string) => (await query(instance.url, PLACEMENT, { vmId }, TOKENS.admin)).vmPlacement.host.name;
    expect(await where((await site(elsewhere)).vm.id)).toBe('sim-roomy');
    await run(`cloneToTest(siteId: "${id}")`);
    const test = (await site(id)).vms.find((vm: { role: string }) => vm.role === 'TEST');
    expect(await where(test.id)).toBe(await where(production.id));
    await run(`removeTest(siteId: "${id}")`);
  });

  it('copies a snapshot of production when given one, and gives production back as it was', async () => {
    const id = await createSite('from-snapshot');
    await run(`createSnapshot(siteId: "${id}", name: "small-days")`);
    const { site: before } = await query(instance.url, `query ($id: ID!) { site(id: $id) { vm { ref } snapshots { id } } }`, { id }, TOKENS.alice);
    await run(`resizeSite(id: "${id}", flavor: "medium")`);
    const cloned = await run(`cloneToTest(siteId: "${id}", fromSnapshot: "${before.snapshots[0].id}")`);
    expect(cloned.state).toBe('SUCCEEDED');
    const test = (await site(id)).vms.find((vm: { role: string }) => vm.role === 'TEST');
    expect(await driver.get(test.ref)).toMatchObject({ vcpus: 1, memoryMiB: 2048, powerState: 'running' });
    expect(await driver.get(before.vm.ref)).toMatchObject({ vcpus: 2, memoryMiB: 4096, powerState: 'running' });
    // The snapshot that held production is gone; the chosen one stays.
    expect((await driver.listSnapshots(before.vm.ref)).map((snapshot) => snapshot.name)).toEqual(['small-days']);
    await run(`removeTest(siteId: "${id}")`);
    expect(await codeOf(`mutation { cloneToTest(siteId: "${id}", fromSnapshot: "${randomUUID()}") { id } }`)).toEqual(['NOT_FOUND']);
    expect(await codeOf(`mutation { cloneToTest(siteId: "${id}", fromSnapshot: "nope") { id } }`)).toEqual(['BAD_USER_INPUT']);
  });

  it('resumes a clone whose step was cut off after the hypervisor made the copy, finding that copy', async () => {
    const id = await createSite('resumed');
    driver.injectFault('clone', new Transient('sim: connection lost'), 1, 'after');
    const task = await run(`cloneToTest(siteId: "${id}")`);
    expect(task).toMatchObject({ state: 'SUCCEEDED', attempt: 2 });
    const { site: resumed } = await query(instance.url, `query ($id: ID!) { site(id: $id) { vms { role ref } } }`, { id }, TOKENS.alice);
    expect((await driver.list()).filter((vm) => vm.labels.siteId === id).map((vm) => vm.ref).sort()).toEqual(resumed.vms.map((vm: { ref: string }) => vm.ref).sort());
    expect(resumed.vms).toHaveLength(2);
    await run(`removeTest(siteId: "${id}")`);
  });

  it('undoes a clone that fails: no test VM, no placement, production running again', async () => {
    const id = await createSite('clone-fails');
    const production = (await site(id)).vm;
    const allocated = async () => (await query(instance.url, '{ hypervisorHosts { allocated { vcpus memoryMiB diskGiB } } }', {}, TOKENS.admin)).hypervisorHosts;
    const before = await allocated();
    await run(`createSnapshot(siteId: "${id}", name: "start")`);
    const { site: withSnapshot } = await query(instance.url, `query ($id: ID!) { site(id: $id) { snapshots { id } } }`, { id }, TOKENS.alice);
    driver.injectFault('clone', new Fatal('sim: disk copy failed'));
    const task = await run(`cloneToTest(siteId: "${id}", fromSnapshot: "${withSnapshot.snapshots[0].id}")`);
    expect(task).toMatchObject({ state: 'FAILED', error: { step: 'clone-vm', message: expect.stringContaining('disk copy failed') } });
    // The test copy's name and addresses were given back with the rest.
    const [added, removed] = told.splice(0).slice(-2);
    expect(removed).toBe(added!.replace('add', 'remove'));
    const after = await site(id);
    expect(after.vms.map((vm: { role: string }) => vm.role)).toEqual(['PRODUCTION']);
    expect(after.state).toBe('RUNNING');
    expect((await driver.get(production.ref))!.powerState).toBe('running');
    expect((await driver.listSnapshots(production.ref)).map((snapshot) => snapshot.name)).toEqual(['start']);
    expect((await driver.list()).filter((vm) => vm.labels.siteId === id)).toHaveLength(1);
    expect(await allocated()).toEqual(before);
  });

  // Each hypervisor call cloneToTest(fromSnapshot) makes, failing once: what was done is undone.
  it.each([
    { operation: 'shutdown', step: 'stop-production' },
    { operation: 'createSnapshot', step: 'revert-to-snapshot' },
    { operation: 'revertSnapshot', step: 'revert-to-snapshot' },
    { operation: 'clone', step: 'clone-vm' },
    { operation: 'deleteSnapshot', step: 'return-production' },
    { operation: 'start', step: 'start-production' },
  ] as const)('a fault in $operation ($step) leaves production as it was, and nothing of the copy', async ({ operation, step }) => {
    const id = await createSite(`fault-${operation.toLowerCase()}`);
    await run(`createSnapshot(siteId: "${id}", name: "chosen")`);
    const { site: before } = await query(instance.url, `query ($id: ID!) { site(id: $id) { vm { ref } snapshots { id } } }`, { id }, TOKENS.alice);
    const allocated = async () => (await query(instance.url, '{ hypervisorHosts { name allocated { vcpus memoryMiB diskGiB } } }', {}, TOKENS.admin)).hypervisorHosts;
    const room = await allocated();
    driver.injectFault(operation, new Fatal(`sim: ${operation} refused`));
    const task = await run(`cloneToTest(siteId: "${id}", fromSnapshot: "${before.snapshots[0].id}")`);
    expect(task).toMatchObject({ state: 'FAILED', error: { step } });
    expect(task.error.message).not.toContain('could not undo');
    expect((await site(id)).vms.map((vm: { role: string }) => vm.role)).toEqual(['PRODUCTION']);
    expect((await site(id)).state).toBe('RUNNING');
    expect((await driver.list()).filter((vm) => vm.labels.siteId === id).map((vm) => [vm.ref, vm.powerState])).toEqual([[before.vm.ref, 'running']]);
    expect((await driver.listSnapshots(before.vm.ref)).map((snapshot) => snapshot.name)).toEqual(['chosen']);
    expect(await allocated()).toEqual(room);
  });

  it("counts a test copy's vCPUs against its owner's quota until it goes, and keeps the site from being resized meanwhile", async () => {
    await query(instance.url, 'mutation { setQuota(user: "bob", limits: { vcpus: 3 }) { updatedBy } }', {}, TOKENS.admin);
    const [first, second] = [await createSite('bobs-first', TOKENS.bob), await createSite('bobs-second', TOKENS.bob)];
    expect((await run(`cloneToTest(siteId: "${first}")`, TOKENS.bob)).state).toBe('SUCCEEDED');
    expect(await codeOf(`mutation { cloneToTest(siteId: "${second}") { id } }`, TOKENS.bob)).toEqual(['QUOTA_EXCEEDED']);
    expect(await codeOf(`mutation { resizeSite(id: "${first}", flavor: "medium") { id } }`, TOKENS.bob)).toEqual(['CONFLICT']);
    expect((await run(`removeTest(siteId: "${first}")`, TOKENS.bob)).state).toBe('SUCCEEDED');
    expect((await run(`cloneToTest(siteId: "${second}")`, TOKENS.bob)).state).toBe('SUCCEEDED');
    // Deleting a site gives back its test copy's share too.
    expect((await run(`deleteSite(id: "${second}")`, TOKENS.bob)).state).toBe('SUCCEEDED');
    const third = await createSite('bobs-third', TOKENS.bob);
    expect((await run(`cloneToTest(siteId: "${third}")`, TOKENS.bob)).state).toBe('SUCCEEDED');
  });

  it('refuses switching or removing without a test copy, unknown sites and people who may not manage the site', async () => {
    const id = await createSite('no-copy');
    for (const mutation of ['switchServices', 'removeTest']) expect(await codeOf(`mutation { ${mutation}(siteId: "${id}") { id } }`), mutation).toEqual(['CONFLICT']);
    for (const mutation of ['cloneToTest', 'switchServices', 'removeTest']) {
      expect(await codeOf(`mutation { ${mutation}(siteId: "${id}") { id } }`, TOKENS.bob), mutation).toEqual(['FORBIDDEN']);
      expect(await codeOf(`mutation { ${mutation}(siteId: "${randomUUID()}") { id } }`), mutation).toEqual(['NOT_FOUND']);
    }
    expect((await site(id)).vms).toHaveLength(1);
  });
});
