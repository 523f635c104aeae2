import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvmDriver } from '../../drivers/kvm/kvm-driver.js';
import { query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { provideLibvirt, type LibvirtServer } from '../support/libvirt-server.js';
import type { SshdServer } from '../support/sshd-server.js';
import { startKvmTestHost, type KvmTestHost } from '../support/kvm-test-host.js';
import { createSite, deleteSite, HOST_FIELDS } from './inventory-fixture.js';

/**
 * A kvm host in the inventory: a real libvirtd with QEMU on this machine, reached through a real
 * sshd on loopback with a key the worker finds by reference. VMs have no OS (a 1 GiB empty base
 * image), so they boot at once even under TCG; createSite's wall time is printed, not asserted.
 */
const libvirt: LibvirtServer | Error = await provideLibvirt().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));

const virsh = (...args: string[]) => execFileSync('virsh', ['--connect', 'qemu:///system', '--quiet', ...args], { encoding: 'utf8' }).trim();

const RECONCILE = `mutation ($hostId: ID) { reconcile(hostId: $hostId) { completed error hosts { hostName reachable error discrepancies { kind vmName vmRef expected observed corrected } } } }`;
const SITE = 'query ($id: ID!) { site(id: $id) { state vm { name ref placement { hostName powerState } } } }';

describe.skipIf(libvirt instanceof Error)('a kvm host in the inventory', () => {
  let host: KvmTestHost;
  let sshd: SshdServer;
  let instance: Instance;
  let rogue: KvmDriver;
  let hostId: string;
  const sites: Record<string, { siteId: string; ref: string; name: string }> = {};
  // libvirtd is shared with the driver's conformance suite running beside this file, whose domains
  // are rightly unknown to this instance: only discrepancies about this file's domains are judged.
  const oursOnly = (discrepancies: { kind: string; vmName: string }[]) =>
    discrepancies.filter((d) => d.vmName === 'kvm-rogue' || Object.values(sites).some((site) => site.name === d.vmName));

  beforeAll(async () => {
    host = await startKvmTestHost('kvm-inventory');
    sshd = host.sshd;
    instance = await startInstance({ settings: host.settings });
    const { addHypervisorHost } = await query(
      instance.url,
      `mutation ($input: AddHypervisorHostInput!) { addHypervisorHost(input: $input) { ${HOST_FIELDS} } }`,
      { input: { name: 'kvm-test', driver: 'kvm', uri: host.uri, credentialRef: host.credentialRef, capacity: { vcpus: 4, memoryMiB: 1024, diskGiB: 20 } } },
      TOKENS.admin,
    );
    hostId = addHypervisorHost.id;
    // An operator's own tooling, outside Hostgraph.
    rogue = new KvmDriver({ ssh: { host: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.privateKey }, storageDir: host.storageDir, baseImage: host.baseImage });
  });
  afterAll(async () => {
    for (const site of Object.values(sites)) await deleteSite(instance.url, site.siteId).catch(() => {});
    const stray = await rogue?.findByName('kvm-rogue').catch(() => null);
    if (stray) await rogue.destroy(stray.ref);
    await rogue?.close();
    await instance?.close();
    await host?.stop();
    if (!(libvirt instanceof Error)) await libvirt.stop();
  });

  it('creates a site on the kvm host through the gateway: placed, defined in libvirt, running', async () => {
    for (const name of ['kvm-blog', 'kvm-gone']) {
      const started = performance.now();
      const site = await createSite(instance.url, name, 'kvm-tiny');
      const task = await site.finished();
      console.log(`createSite on kvm (${(libvirt as LibvirtServer).kvmUsable ? 'KVM' : 'TCG'}): ${Math.round(performance.now() - started)} ms`);
      expect(task).toMatchObject({ state: 'SUCCEEDED', error: null });
      const { site: made } = await query(instance.url, SITE, { id: site.siteId }, TOKENS.alice);
      expect(made).toMatchObject({ state: 'RUNNING', vm: { placement: { hostName: 'kvm-test' } } });
      expect(virsh('domstate', made.vm.ref)).toBe('running');
      sites[name] = { siteId: site.siteId, ref: made.vm.ref, name: made.vm.name };
    }
    const { hypervisorHost } = await query(instance.url, `query ($id: ID!) { hypervisorHost(id: $id) { allocated { vcpus memoryMiB diskGiB } } }`, { id: hostId }, TOKENS.admin);
    expect(hypervisorHost.allocated).toEqual({ vcpus: 2, memoryMiB: 128, diskGiB: 2 });
  });

  it('reports a domain made, one undefined and one powered off behind its back, and corrects the drift', async () => {
    const made = await rogue.create({ name: 'kvm-rogue', vcpus: 1, memoryMiB: 64, diskGiB: 1 });
    virsh('destroy', sites['kvm-blog']!.ref);
    virsh('destroy', sites['kvm-gone']!.ref);
    virsh('undefine', sites['kvm-gone']!.ref);

    const { reconcile } = await query(instance.url, RECONCILE, { hostId }, TOKENS.admin);
    expect(reconcile).toMatchObject({ completed: true, error: null, hosts: [{ hostName: 'kvm-test', reachable: true }] });
    const ours = oursOnly(reconcile.hosts[0].discrepancies);
    const found = Object.fromEntries(ours.map((d) => [d.kind, d]));
    expect(found.UNKNOWN_VM).toMatchObject({ vmName: 'kvm-rogue', vmRef: made.ref, observed: 'stopped' });
    expect(found.MISSING_VM).toMatchObject({ vmName: sites['kvm-gone']!.name, vmRef: sites['kvm-gone']!.ref });
    expect(found.POWER_STATE_DRIFT).toMatchObject({ vmName: sites['kvm-blog']!.name, expected: 'running', observed: 'stopped', corrected: true });
    expect(ours).toHaveLength(3);

    expect((await query(instance.url, SITE, { id: sites['kvm-blog']!.siteId }, TOKENS.alice)).site).toMatchObject({ state: 'STOPPED', vm: { placement: { powerState: 'stopped' } } });
    // Reported, not acted on: the stray domain is still there.
    expect(virsh('domstate', made.ref)).toBe('shut off');
  });

  it('reports the kvm host unreachable while its sshd is down, keeping what it found before', async () => {
    await sshd.interrupt();
    try {
      const { reconcile } = await query(instance.url, RECONCILE, { hostId }, TOKENS.admin);
      expect(reconcile.hosts[0]).toMatchObject({ hostName: 'kvm-test', reachable: false, error: expect.stringMatching(/ssh|connect|ECONNREFUSED/i) });
      expect(oursOnly(reconcile.hosts[0].discrepancies).map((d) => d.kind).sort()).toEqual(['MISSING_VM', 'POWER_STATE_DRIFT', 'UNKNOWN_VM']);
    } finally {
      await sshd.resume();
    }
  });
});
