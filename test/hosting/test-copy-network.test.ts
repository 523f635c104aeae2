import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fatal } from '../../drivers/driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import type { DnsRecord } from '../../plugins/dns/dns-record.js';
import { parseZone } from '../../plugins/dns/zonefile/zone-file-format.js';
import { Fatal as ProvisionerFatal } from '../../plugins/plugin-errors.js';
import type { VmEndpoint } from '../../plugins/provisioner/vm-endpoints.js';
import { collect, graphql, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { GatedProvisioner } from './gated-provisioner.js';

const TASK = 'id state siteId steps { name state } error { code message step }';
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { type } }';
const SITE = `query ($id: ID!) { site(id: $id) {
  serviceName serviceAddresses
  names { fqdn purpose vm { id } addresses { address } }
  vms { id role ref hostName addresses hostKeys { publicKey } }
} }`;

interface NameSeen {
  fqdn: string;
  purpose: string;
  vm: { id: string } | null;
  addresses: { address: string }[];
}
interface SiteSeen {
  serviceName: string;
  serviceAddresses: string[];
  names: NameSeen[];
  vms: { id: string; role: string; ref: string | null; hostName: string | null; addresses: string[]; hostKeys: { publicKey: string }[] }[];
}

/**
 * The test copy's names, as the IP registry keeps them and the embedded zone files publish them:
 * cloneToTest gives the test VM a TEST name and a host name of its own that resolve at once,
 * switchServices moves the production name (and its addresses) to the promoted VM, and removeTest
 * withdraws the old VM's names from DNS and quarantines their addresses. Sim driver, sim provisioner.
 */
describe('the test copy’s names and addresses through the gateway (sim, zone files)', () => {
  let instance: Instance;
  const driver = new SimDriver({ store: new MemorySimVmStore() });
  const provisioner = new GatedProvisioner();
  beforeAll(async () => {
    instance = await startInstance({ overrides: { driver, provisioner }, settings: { ipreg: { preallocate: { count: 0 } } } });
  });
  /** The service addresses the provisioner was last asked to put on the VM of this host name. */
  const carriedBy = (hostName: string | null) =>
    provisioner.sim.runs
      .filter((run) => (run.target as VmEndpoint).hostName === hostName)
      .flatMap((run) => run.roles.filter((role) => role.role === 'service-addresses'))
      .map((role) => [...(role.parameters!.addresses as string[])].sort())
      .at(-1);
  afterAll(() => instance?.close());

  async function run(text: string) {
    const { body } = await graphql(instance.url, `mutation { ${text} { ${TASK} } }`, {}, TOKENS.alice);
    expect(body.errors, text).toBeUndefined();
    const started = Object.values(body.data!)[0] as { id: string };
    await collect(sse(instance.url, EVENTS, { taskId: started.id }, TOKENS.alice));
    return (await query(instance.url, `query ($id: ID!) { task(id: $id) { ${TASK} } }`, { id: started.id }, TOKENS.alice)).task;
  }
  const site = async (id: string): Promise<SiteSeen> => (await query(instance.url, SITE, { id }, TOKENS.alice)).site;
  const zone = (name: string): DnsRecord[] => {
    const path = join(instance.config.dataDir, 'zones', `${name}.zone`);
    return existsSync(path) ? parseZone(readFileSync(path, 'utf8'), path).records : [];
  };
  /** What the zone files say of `name`: its A and AAAA addresses, and how many SSHFP records it has. */
  const resolved = (name: string) => {
    const records = zone('hosting.example.org').filter((record) => record.name === name);
    return {
      addresses: records.filter((record) => record.type === 'A' || record.type === 'AAAA').map((record) => record.value as string).sort(),
      sshfp: records.filter((record) => record.type === 'SSHFP').length,
    };
  };
  const ptrOf = (ipv4: string) => zone('113.0.203.in-addr.arpa').filter((record) => record.name === `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`);
  const addressState = async (address: string) => (await query(instance.url, 'query ($a: String!) { address(address: $a) { state } }', { a: address }, TOKENS.admin)).address.state;
  const nameOf = (seen: SiteSeen, purpose: string) => seen.names.find((name) => name.purpose === purpose);
  const addressesOf = (name: NameSeen | undefined) => (name?.addresses ?? []).map((row) => row.address).sort();

  it('gives the test copy a TEST name that resolves, moves the production name to the promoted VM, and withdraws the old VM’s names', async () => {
    const created = await run('createSite(input: { name: "netcopy", flavor: "small" })');
    expect(created.state).toBe('SUCCEEDED');
    const id = created.siteId as string;
    const before = await site(id);
    const original = before.vms.find((vm) => vm.role === 'PRODUCTION')!;
    expect(resolved(before.serviceName).addresses).toEqual([...before.serviceAddresses].sort());

    // cloneToTest: a TEST name with TEST addresses, and a host name of its own, both in DNS at once.
    expect((await run(`cloneToTest(siteId: "${id}")`)).state).toBe('SUCCEEDED');
    const cloned = await site(id);
    const test = cloned.vms.find((vm) => vm.role === 'TEST')!;
    const testName = nameOf(cloned, 'TEST')!;
    expect(testName.vm?.id).toBe(test.id);
    const testAddresses = addressesOf(testName);
    expect(testAddresses).toHaveLength(2);
    expect(testAddresses.find((address) => !address.includes(':'))).toMatch(/^203\.0\.113\./);
    expect(testAddresses).not.toEqual(expect.arrayContaining(before.serviceAddresses.slice(0, 1)));
    expect(resolved(testName.fqdn).addresses).toEqual(testAddresses);
    expect(test.hostName).toBeTruthy();
    expect(test.hostName).not.toBe(original.hostName);
    expect(resolved(test.hostName!)).toEqual({ addresses: [...test.addresses].sort(), sshfp: 3 });
    const testV4 = testAddresses.find((address) => !address.includes(':'))!;
    expect(ptrOf(testV4).map((record) => record.value)).toEqual([testName.fqdn]);
    // Production's name did not move.
    expect(nameOf(cloned, 'SERVICE')!.vm?.id).toBe(original.id);
    // The copy boots as itself: its own host name and the host keys whose SSHFP records are published, not production's.
    const identity = (vm: SiteSeen['vms'][number]) => ({ hostname: vm.hostName, hostKeys: vm.hostKeys.map((key) => key.publicKey).sort() });
    const seeded = async (ref: string | null) => {
      const seed = await driver.seedOf(ref!);
      return seed && { hostname: seed.hostname, hostKeys: seed.hostKeys.map((key) => key.publicKey).sort() };
    };
    expect(test.hostKeys).toHaveLength(3);
    expect(await seeded(test.ref)).toEqual(identity(test));
    expect(await seeded(original.ref)).toEqual(identity(original));
    expect(identity(test).hostKeys).not.toEqual(expect.arrayContaining(identity(original).hostKeys.slice(0, 1)));
    // Each VM carries its service name's addresses on its interface: production's, and the test copy's.
    expect(carriedBy(original.hostName)).toEqual([...before.serviceAddresses].sort());
    expect(carriedBy(test.hostName)).toEqual(testAddresses);

    // switchServices: the promoted VM answers on the production name, whose A/AAAA are the addresses it now holds.
    expect((await run(`switchServices(siteId: "${id}")`)).state).toBe('SUCCEEDED');
    const switched = await site(id);
    const service = nameOf(switched, 'SERVICE')!;
    expect(switched.vms.find((vm) => vm.role === 'PRODUCTION')!.id).toBe(test.id);
    expect(service.vm?.id).toBe(test.id);
    expect(service.fqdn).toBe(before.serviceName);
    expect(resolved(service.fqdn).addresses).toEqual(addressesOf(service));
    expect(addressesOf(service)).toEqual([...before.serviceAddresses].sort());
    expect(nameOf(switched, 'TEST')!.vm?.id).toBe(original.id);
    expect(resolved(nameOf(switched, 'TEST')!.fqdn).addresses).toEqual(testAddresses);
    // Host names stay with their VMs.
    expect(switched.vms.find((vm) => vm.id === original.id)!.hostName).toBe(original.hostName);
    // The addresses moved onto the VMs too: the promoted VM was asked to carry production's, the demoted one the test copy's.
    expect(carriedBy(test.hostName)).toEqual([...before.serviceAddresses].sort());
    expect(carriedBy(original.hostName)).toEqual(testAddresses);

    // removeTest: the old production VM is the test copy now; its names leave DNS, their addresses are quarantined.
    expect((await run(`removeTest(siteId: "${id}")`)).state).toBe('SUCCEEDED');
    const removed = await site(id);
    expect(removed.names.map((name) => name.purpose).sort()).toEqual(['HOST', 'SERVICE']);
    expect(removed.names.find((name) => name.purpose === 'HOST')!.vm?.id).toBe(test.id);
    expect(resolved(testName.fqdn)).toEqual({ addresses: [], sshfp: 0 });
    expect(resolved(original.hostName!)).toEqual({ addresses: [], sshfp: 0 });
    expect(ptrOf(testV4)).toEqual([]);
    for (const address of [...testAddresses, ...original.addresses]) expect(await addressState(address), address).toBe('QUARANTINED');
    // What stays: production's name on the promoted VM, and that VM's own host name.
    expect(resolved(before.serviceName).addresses).toEqual([...before.serviceAddresses].sort());
    expect(resolved(test.hostName!)).toEqual({ addresses: [...test.addresses].sort(), sshfp: 3 });
  });
  it('gives everything back when the copy cannot be given its addresses: its VM, names, host keys, addresses and records', async () => {
    const created = await run('createSite(input: { name: "addrfail", flavor: "small" })');
    expect(created.state).toBe('SUCCEEDED');
    const id = created.siteId as string;
    const before = await site(id);
    const allocated = async () => (await query(instance.url, '{ pools { name allocatedCount } }', {}, TOKENS.admin)).pools;
    const records = () => zone('hosting.example.org').map((record) => `${record.name} ${record.type} ${JSON.stringify(record.value)}`).sort();
    const [poolsBefore, recordsBefore] = [await allocated(), records()];
    provisioner.failure = new ProvisionerFatal('ssh: the test VM refused the connection');
    const cloned = await run(`cloneToTest(siteId: "${id}")`).finally(() => (provisioner.failure = null));
    expect(cloned).toMatchObject({ state: 'FAILED', error: { step: 'test-service-addresses', message: expect.stringContaining('refused the connection') } });
    expect(cloned.error.message).not.toContain('could not undo');
    const after = await site(id);
    expect(after.vms.map((vm) => vm.id)).toEqual([before.vms[0]!.id]);
    expect(after.names.map((name) => name.fqdn).sort()).toEqual(before.names.map((name) => name.fqdn).sort());
    expect((await driver.list()).filter((vm) => vm.labels.siteId === id).map((vm) => vm.ref)).toEqual([before.vms[0]!.ref]);
    // Held addresses are as before (the copy's wait in quarantine), and DNS has no record of it, SSHFP included.
    expect(await allocated()).toEqual(poolsBefore);
    expect(records()).toEqual(recordsBefore);
  });

  it('gives the TEST name and addresses back when the clone fails: out of DNS, quarantined', async () => {
    const created = await run('createSite(input: { name: "failcopy", flavor: "small" })');
    expect(created.state).toBe('SUCCEEDED');
    const id = created.siteId as string;
    const before = await site(id);
    const testPool = async () => (await query(instance.url, '{ pools(purpose: TEST) { name allocatedCount quarantinedCount } }', {}, TOKENS.admin)).pools.find((pool: { name: string }) => pool.name === 'test-v4');
    const [poolBefore, ptrsBefore] = [await testPool(), zone('113.0.203.in-addr.arpa')];
    driver.injectFault('clone', new Fatal('sim: disk copy failed'));
    const cloned = await run(`cloneToTest(siteId: "${id}")`);
    expect(cloned).toMatchObject({ state: 'FAILED', error: { step: 'clone-vm' } });
    expect(cloned.steps.find((step: { name: string }) => step.name === 'add-test-addresses').state).toBe('COMPENSATED');
    const after = await site(id);
    expect(after.names.map((name) => name.fqdn).sort()).toEqual(before.names.map((name) => name.fqdn).sort());
    // The TEST address it took is quarantined, and its PTR record is gone again.
    expect(await testPool()).toEqual({ ...poolBefore, quarantinedCount: poolBefore.quarantinedCount + 1 });
    expect(zone('113.0.203.in-addr.arpa')).toEqual(ptrsBefore);
  });
});
