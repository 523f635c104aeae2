import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fatal } from '../../drivers/driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import { Fatal as PluginFatal } from '../../plugins/plugin-errors.js';
import type { ProvisionReport, ProvisionTarget, RoleApplication, RunOptions } from '../../plugins/provisioner/provisioner.js';
import { StepFailed } from '../../plugins/provisioner/step-failed.js';
import { collect, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { GatedProvisioner } from './gated-provisioner.js';

/** The sim provisioner, which can also refuse the first connection, as a VM with the wrong host key would. */
class FaultyProvisioner extends GatedProvisioner {
  unreachable: Error | null = null;

  override async run(target: ProvisionTarget, roles: RoleApplication[], options?: RunOptions): Promise<ProvisionReport> {
    if (this.unreachable && roles.length === 0) throw this.unreachable;
    return super.run(target, roles, options);
  }
}

const ZONE = 'faults.example.org';
const STEPS = ['place', 'allocate-network', 'create-vm', 'start-vm', 'wait-for-ssh', 'provision', 'publish-dns'];
const EVENTS = `subscription ($taskId: ID!) { taskEvents(taskId: $taskId) { seq type } }`;
const TASK = `query ($id: ID!) { task(id: $id) { state error { code step } steps { name state } } }`;
const SITE = `query ($id: ID!) { site(id: $id) { state vmRef serviceName serviceAddresses names { fqdn } vms { hostName addresses hostKeys { algorithm } } } }`;
const POOLS = `{ pools { name allocatedCount } }`;

/**
 * A fault at each step of createSite, through the gateway: whatever the earlier steps made — the
 * placement, the VM, the addresses, names and host keys, the DNS records — is undone, and the site
 * is FAILED with nothing of it left anywhere.
 */
describe('createSite with a fault at each step', () => {
  let instance: Instance;
  let zones: string;
  const driver = new SimDriver({ store: new MemorySimVmStore() });
  const provisioner = new FaultyProvisioner();

  beforeAll(async () => {
    // Zone files where the test can read what was published, and break the publisher at will.
    zones = join(mkdtempSync(join(tmpdir(), 'hostgraph-faults-')), 'zones');
    instance = await startInstance({
      overrides: { driver, provisioner },
      settings: {
        flavors: { small: { vcpus: 1, memoryMiB: 2048, diskGiB: 20 }, huge: { vcpus: 4096, memoryMiB: 1 << 30, diskGiB: 1 << 20 } },
        dns: { kind: 'zonefile', directory: zones, zones: [ZONE], nameServers: [`ns.${ZONE}`] },
        ipreg: {
          preallocate: { count: 0 },
          seedPools: [
            { name: 'service-v4', prefix: '192.0.2.0/28', purpose: 'SERVICE', zone: ZONE },
            { name: 'service-v6', prefix: '2001:db8:7::/64', purpose: 'SERVICE', zone: ZONE },
            { name: 'host-v4', prefix: '198.51.100.0/28', purpose: 'HOST', zone: ZONE },
            { name: 'host-v6', prefix: '2001:db8:8::/64', purpose: 'HOST', zone: ZONE },
          ],
        },
      },
    });
  });
  afterAll(() => instance?.close());

  const allocated = async () =>
    Object.fromEntries((await query(instance.url, POOLS, {}, TOKENS.admin)).pools.map((pool: { name: string; allocatedCount: number }) => [pool.name, pool.allocatedCount]));
  /** The records of the zone files, without the SOA, whose serial every publication bumps. */
  const published = () =>
    (existsSync(zones) ? readdirSync(zones).filter((file) => file.endsWith('.zone')) : [])
      .flatMap((file) => readFileSync(join(zones, file), 'utf8').split('\n'))
      .filter((line) => line.trim() !== '' && !/\bSOA\b/.test(line) && !line.trim().startsWith(';'))
      .sort();

  async function createSite(name: string, flavor = 'small') {
    const { createSite: task } = await query(instance.url, `mutation ($input: CreateSiteInput!) { createSite(input: $input) { id siteId } }`, { input: { name, flavor } }, TOKENS.alice);
    await collect(sse(instance.url, EVENTS, { taskId: task.id }, TOKENS.alice));
    return { siteId: task.siteId as string, task: (await query(instance.url, TASK, { id: task.id }, TOKENS.alice)).task };
  }

  async function expectNothingLeft(siteId: string, before: { pools: Record<string, number>; records: string[] }) {
    expect((await driver.list()).filter((vm) => vm.labels.siteId === siteId)).toEqual([]);
    const { site } = await query(instance.url, SITE, { id: siteId }, TOKENS.alice);
    expect(site).toMatchObject({ state: 'FAILED', vmRef: null, serviceName: null, serviceAddresses: [], names: [] });
    for (const vm of site.vms) expect(vm).toEqual({ hostName: null, addresses: [], hostKeys: [] });
    // Released addresses wait in quarantine; none is still held for the failed site.
    expect(await allocated()).toEqual(before.pools);
    expect(published()).toEqual(before.records);
  }

  it('publishes everything when nothing fails, which is what the faults below must undo', async () => {
    const before = await allocated();
    const { siteId, task } = await createSite('faultless');
    expect(task).toMatchObject({ state: 'SUCCEEDED', steps: STEPS.map((name) => ({ name, state: 'SUCCEEDED' })) });
    const { site } = await query(instance.url, SITE, { id: siteId }, TOKENS.alice);
    expect(site.serviceName).toMatch(new RegExp(`\\.${ZONE.replace(/\./g, '\\.')}$`));
    expect(site.serviceAddresses).toHaveLength(2);
    expect(site.vms[0].hostKeys.length).toBeGreaterThan(0);
    const records = published().join('\n');
    expect(records).toContain(site.serviceName.split('.')[0]);
    expect(records).toContain(site.vms[0].hostName.split('.')[0]);
    expect(records).toMatch(/SSHFP/);
    expect(Object.values(await allocated()).reduce((a, b) => a + b, 0)).toBe(Object.values(before).reduce((a, b) => a + b, 0) + 4);
  });

  const faults: { step: string; code: string; inject: () => void; clear: () => void; flavor?: string }[] = [
    { step: 'place', code: 'NO_CAPACITY', flavor: 'huge', inject: () => {}, clear: () => {} },
    {
      step: 'create-vm',
      code: 'HYPERVISOR_ERROR',
      inject: () => driver.injectFault('create', new Fatal('VDI_CREATE_FAILED: the storage repository is full')),
      clear: () => {},
    },
    {
      step: 'start-vm',
      code: 'HYPERVISOR_ERROR',
      inject: () => driver.injectFault('start', new Fatal('VM_HVM_REQUIRED: the host has no hardware virtualisation')),
      clear: () => {},
    },
    {
      step: 'wait-for-ssh',
      code: 'UPSTREAM_REFUSED',
      inject: () => (provisioner.unreachable = new PluginFatal('the VM offered a host key that is not one of its own')),
      clear: () => (provisioner.unreachable = null),
    },
    {
      step: 'provision',
      code: 'PROVISIONING_FAILED',
      inject: () => (provisioner.failure = new StepFailed('apache', 'apache installed', 100, ['E: Unable to locate package apache2'], 'installing apache2')),
      clear: () => (provisioner.failure = null),
    },
    {
      // The zone directory replaced by a file: the publisher cannot write, and says so.
      step: 'publish-dns',
      code: 'UPSTREAM_REFUSED',
      inject: () => {
        renameSync(zones, `${zones}.kept`);
        writeFileSync(zones, 'not a directory');
      },
      clear: () => {
        rmSync(zones, { force: true });
        renameSync(`${zones}.kept`, zones);
      },
    },
  ];

  /** Reserves (or frees again) every FREE address of the small service pool, so allocation finds none. */
  async function reserveFreeServiceAddresses(reserve: boolean) {
    const { pools } = await query(instance.url, '{ pools(purpose: SERVICE) { id name } }', {}, TOKENS.admin);
    const pool = pools.find((p: { name: string }) => p.name === 'service-v4');
    const free: string[] = [];
    for (let host = 0; host < 16; host++) {
      const address = `192.0.2.${host}`;
      const { address: found } = await query(instance.url, 'query ($a: String!) { address(address: $a) { state } }', { a: address }, TOKENS.admin);
      if (found.state === 'FREE') free.push(address);
    }
    const reserved = reserve ? free.map((address) => ({ from: address, to: address })) : [];
    await query(instance.url, 'mutation ($id: ID!, $input: UpdatePoolInput!) { updatePool(id: $id, input: $input) { id } }', { id: pool.id, input: { reserved } }, TOKENS.admin);
  }
  faults.push({
    step: 'allocate-network',
    code: 'POOL_EXHAUSTED',
    inject: () => {},
    clear: () => {},
  });

  it.each(faults)('undoes everything when $step fails ($code)', async ({ step, code, inject, clear, flavor }) => {
    mkdirSync(zones, { recursive: true });
    const before = { pools: await allocated(), records: published() };
    const name = `fault-${step}`;
    inject();
    if (step === 'allocate-network') await reserveFreeServiceAddresses(true);
    const { siteId, task } = await createSite(name, flavor).finally(async () => {
      clear();
      if (step === 'allocate-network') await reserveFreeServiceAddresses(false);
    });
    expect(task).toMatchObject({ state: 'FAILED', error: { step, code } });
    const failedAt = STEPS.indexOf(step);
    expect(task.steps.slice(0, failedAt).map((s: { state: string }) => s.state)).toEqual(Array(failedAt).fill('COMPENSATED'));
    expect(task.steps.slice(failedAt + 1).map((s: { state: string }) => s.state)).toEqual(Array(STEPS.length - failedAt - 1).fill('PENDING'));
    await expectNothingLeft(siteId, before);
  });
});
