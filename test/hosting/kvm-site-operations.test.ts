import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { provideLibvirt, type LibvirtServer } from '../support/libvirt-server.js';
import { startKvmTestHost, type KvmTestHost } from '../support/kvm-test-host.js';
import { createSite, deleteSite, finishTask } from '../inventory/inventory-fixture.js';

/**
 * Snapshots and the test copy on a real libvirtd with QEMU, reached over a real sshd on loopback.
 * The VMs have no OS (an empty 1 GiB image), so they boot at once even under TCG; one site goes
 * through every operation, to keep the emulated work small on a 2-CPU machine.
 */
const libvirt: LibvirtServer | Error = await provideLibvirt().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));

const virsh = (...args: string[]) => execFileSync('virsh', ['--connect', 'qemu:///system', '--quiet', ...args], { encoding: 'utf8' }).trim();
const domainState = (ref: string) => virsh('domstate', ref);
const domainExists = (ref: string) => spawnSync('virsh', ['--connect', 'qemu:///system', 'domstate', ref], { stdio: 'ignore' }).status === 0;
const SITE = 'query ($id: ID!) { site(id: $id) { state vm { id ref } vms { id role name ref } snapshots { id name state } } }';
const IDENTITIES = 'query ($id: ID!) { site(id: $id) { vms { role name ref hostName hostKeys { publicKey } } } }';

describe.skipIf(libvirt instanceof Error)('snapshots and the test copy on a kvm host', () => {
  let host: KvmTestHost;
  let instance: Instance;
  let siteId: string | null = null;

  async function run(mutation: string) {
    const data = await query(instance.url, `mutation { ${mutation} { id } }`, {}, TOKENS.alice);
    const task = await finishTask(instance.url, (Object.values(data)[0] as { id: string }).id);
    expect(task, mutation).toMatchObject({ state: 'SUCCEEDED', error: null });
  }
  const site = async () => (await query(instance.url, SITE, { id: siteId }, TOKENS.alice)).site;

  beforeAll(async () => {
    host = await startKvmTestHost('kvm-operations');
    instance = await startInstance({ settings: host.settings });
    await query(
      instance.url,
      'mutation ($input: AddHypervisorHostInput!) { addHypervisorHost(input: $input) { id } }',
      { input: { name: 'kvm-ops', driver: 'kvm', uri: host.uri, credentialRef: host.credentialRef, capacity: { vcpus: 4, memoryMiB: 1024, diskGiB: 20 } } },
      TOKENS.admin,
    );
  });
  afterAll(async () => {
    if (siteId) await deleteSite(instance.url, siteId).catch(() => {});
    await instance?.close();
    await host?.stop();
    if (!(libvirt instanceof Error)) await libvirt.stop();
  });

  // Every operation is emulated work on a 2-CPU machine: the default minute is too close.
  it('takes and restores a snapshot, clones production from it to a test VM, promotes that, removes the old one, deletes a snapshot', { timeout: 180_000 }, async () => {
    const started = performance.now();
    const created = await createSite(instance.url, `kvm-ops-${randomUUID().slice(0, 4)}`, 'kvm-tiny');
    siteId = created.siteId;
    expect((await created.finished()).state).toBe('SUCCEEDED');
    const production = (await site()).vm;

    await run(`createSnapshot(siteId: "${siteId}", name: "running")`);
    expect(virsh('snapshot-list', '--domain', production.ref, '--name')).toBe('running');
    await run(`stopSite(id: "${siteId}", force: true)`);
    expect(domainState(production.ref)).toBe('shut off');
    // The snapshot was of a running VM: restoring it runs it again, and the site follows.
    const [snapshot] = (await site()).snapshots;
    await run(`restoreSnapshot(id: "${snapshot.id}")`);
    expect(domainState(production.ref)).toBe('running');
    expect((await site()).state).toBe('RUNNING');

    // A stopped production, copied from the snapshot taken while it ran: the copy runs, production
    // is given back stopped and without the snapshot that held it.
    await run(`stopSite(id: "${siteId}", force: true)`);
    await run(`cloneToTest(siteId: "${siteId}", fromSnapshot: "${snapshot.id}")`);
    const test = (await site()).vms.find((vm: { role: string }) => vm.role === 'TEST');
    expect(virsh('domname', test.ref)).toBe(test.name);
    // The copy's seed ISO gives it its own identity: ipreg's test host name and host keys, not production's.
    const seedOf = (vm: { name: string }) => {
      const iso = join(host.storageDir, `${vm.name}-seed.iso`);
      const read = (file: string) => parse(execFileSync('isoinfo', ['-R', '-i', iso, '-x', `/${file}`], { encoding: 'utf8' }));
      const userData = read('user-data') as { fqdn: string; ssh_keys: Record<string, string> };
      const publicKeys = Object.entries(userData.ssh_keys).filter(([name]) => name.endsWith('_public')).map(([, key]) => key).sort();
      return { fqdn: userData.fqdn, publicKeys, instanceId: read('meta-data')['instance-id'] };
    };
    const identity = (vm: { hostName: string; hostKeys: { publicKey: string }[]; ref: string }) => ({
      fqdn: vm.hostName,
      publicKeys: vm.hostKeys.map((key) => key.publicKey.trim()).sort(),
      instanceId: vm.ref,
    });
    const { vms } = (await query(instance.url, IDENTITIES, { id: siteId }, TOKENS.alice)).site;
    const [productionIdentity, testIdentity] = ['PRODUCTION', 'TEST'].map((role) => vms.find((vm: { role: string }) => vm.role === role));
    expect(testIdentity.hostName).not.toBe(productionIdentity.hostName);
    expect(testIdentity.hostKeys).toHaveLength(3);
    expect(seedOf(testIdentity)).toEqual(identity(testIdentity));
    expect(seedOf(productionIdentity)).toEqual(identity(productionIdentity));
    expect(domainState(test.ref)).toBe('running');
    expect(domainState(production.ref)).toBe('shut off');
    expect(virsh('snapshot-list', '--domain', production.ref, '--name')).toBe('running');

    await run(`switchServices(siteId: "${siteId}")`);
    expect((await site()).vm.id).toBe(test.id);
    // The old production goes with its snapshot.
    await run(`removeTest(siteId: "${siteId}")`);
    expect(domainExists(production.ref)).toBe(false);
    expect(domainExists(test.ref)).toBe(true);
    expect((await site()).vms).toEqual([{ id: test.id, role: 'PRODUCTION', name: test.name, ref: test.ref }]);
    expect((await site()).snapshots).toEqual([]);

    await run(`createSnapshot(siteId: "${siteId}", name: "promoted")`);
    expect(virsh('snapshot-list', '--domain', test.ref, '--name')).toBe('promoted');
    await run(`deleteSnapshot(id: "${(await site()).snapshots[0].id}")`);
    expect(virsh('snapshot-list', '--domain', test.ref, '--name')).toBe('');
    console.log(`kvm (${(libvirt as LibvirtServer).kvmUsable ? 'KVM' : 'TCG'}): create, snapshot, restore, clone from the snapshot, switch, remove, snapshot, delete in ${Math.round(performance.now() - started)} ms`);
  });
});
