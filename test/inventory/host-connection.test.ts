import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fatal } from '../../drivers/driver.js';
import { KvmDriver } from '../../drivers/kvm/kvm-driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import { VmwareDriver } from '../../drivers/vmware/vmware-driver.js';
import { XenDriver } from '../../drivers/xen/xen-driver.js';
import { InvalidHostConnection } from '../../drivers/registry/connection-uri.js';
import { resolveCredential } from '../../drivers/registry/credential-ref.js';
import { parseHostConnection } from '../../drivers/registry/driver-kinds.js';
import { HostDrivers, type HostConnection } from '../../drivers/registry/host-drivers.js';

const KVM = 'qemu+ssh://root@10.0.0.5:2222/system?storageDir=/var/lib/hostgraph&baseImage=/var/lib/hostgraph/base.qcow2';

const refusal = (call: () => unknown) => {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidHostConnection);
    return { field: (error as InvalidHostConnection).field, message: (error as Error).message };
  }
  throw new Error('expected a refusal');
};

describe('host connections: driver, URI and credential reference', () => {
  it('reads a kvm URI in libvirt’s own form, with Hostgraph’s parameters', () => {
    expect(parseHostConnection('kvm', `${KVM}&bridge=br-hosting&hostKey=SHA256:${'A'.repeat(43)}`, 'secret:KVM1_KEY')).toEqual({
      driver: 'kvm',
      connection: {
        ssh: { host: '10.0.0.5', port: 2222, username: 'root', hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` },
        libvirtUri: 'qemu:///system',
        storageDir: '/var/lib/hostgraph',
        baseImage: '/var/lib/hostgraph/base.qcow2',
        network: { type: 'bridge', name: 'br-hosting' },
        domainType: 'auto',
      },
    });
  });

  it('takes a host key fingerprint whose + was left unescaped', () => {
    const fingerprint = `SHA256:ab+cd/${'e'.repeat(37)}`;
    const parsed = (uri: string) => (parseHostConnection('kvm', uri, 'secret:K') as { connection: { ssh: { hostKeyFingerprint?: string } } }).connection.ssh.hostKeyFingerprint;
    expect(parsed(`${KVM}&hostKey=${encodeURIComponent(fingerprint)}`)).toBe(fingerprint);
    expect(parsed(`${KVM}&hostKey=${fingerprint}`)).toBe(fingerprint);
  });

  it('reads vmware, xen and sim URIs', () => {
    expect(parseHostConnection('vmware', 'vmware://hostgraph%40vsphere.local@vc.example.org/sdk?datacenter=DC0&cluster=C0&insecure=true', 'secret:VC')).toEqual({
      driver: 'vmware',
      connection: { url: 'https://vc.example.org/sdk', username: 'hostgraph@vsphere.local', datacenter: 'DC0', cluster: 'C0', insecure: true },
    });
    expect(parseHostConnection('xen', 'xen+http://root@127.0.0.1:8080/?template=Debian%2012', 'file:/etc/hostgraph/xen')).toEqual({
      driver: 'xen',
      connection: { url: 'http://127.0.0.1:8080', username: 'root', template: 'Debian 12' },
    });
    expect(parseHostConnection('sim', 'sim:///default', null)).toEqual({ driver: 'sim', tableName: 'sim_vms' });
    expect(parseHostConnection('sim', 'sim:///rack-2', null)).toEqual({ driver: 'sim', tableName: 'sim_vms_rack_2' });
  });

  it.each([
    ['openstack', 'sim:///default', null, 'driver', /Unknown driver "openstack"; the drivers are sim, kvm, vmware, xen/],
    ['kvm', 'not a uri', 'secret:K', 'uri', /is not a URI; a kvm host looks like qemu\+ssh:\/\//],
    ['kvm', KVM.replace('qemu+ssh', 'qemu+tcp'), 'secret:K', 'uri', /starts with qemu\+ssh:\/\/, not qemu\+tcp/],
    ['kvm', KVM.replace('root@', ''), 'secret:K', 'uri', /names the SSH user/],
    ['kvm', KVM.replace('/system', '/nope'), 'secret:K', 'uri', /ends in \/system or \/session/],
    ['kvm', KVM.replace('storageDir=/var', 'storageDir=var'), 'secret:K', 'uri', /storageDir must be an absolute path/],
    ['kvm', `${KVM}&storagedir=/x`, 'secret:K', 'uri', /Unknown parameter "storagedir"/],
    ['kvm', KVM.replace('root@', 'root:hunter2@'), 'secret:K', 'uri', /no password in the URI/],
    ['kvm', KVM, null, 'credentialRef', /needs a credential reference to an SSH private key/],
    ['kvm', KVM, '-----BEGIN OPENSSH PRIVATE KEY-----', 'credentialRef', /never the secret itself/],
    ['kvm', KVM, 'file:relative/key', 'credentialRef', /file:\/absolute\/path/],
    ['vmware', 'vmware://vc.example.org/sdk', 'secret:VC', 'uri', /names the vSphere user/],
    ['vmware', 'vmware://u@vc.example.org/sdk?insecure=maybe', 'secret:VC', 'uri', /insecure" must be true or false/],
    ['xen', 'xen+https://root@xen1/', 'secret:X', 'uri', /needs the "template" parameter/],
    ['xen', 'xen+https://root@xen1/?template=t&sr=nope', 'secret:X', 'uri', /sr is the uuid/],
    ['sim', 'sim:///Default', null, 'uri', /lower-case letters/],
    ['sim', 'sim:///default', 'secret:X', 'credentialRef', /takes no credential/],
  ])('refuses driver %s with %s (credential %s): %s', (driver, uri, credential, field, message) => {
    const refused = refusal(() => parseHostConnection(driver, uri, credential));
    expect(refused.field).toBe(field);
    expect(refused.message).toMatch(message);
  });

  describe('credentials by reference', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostgraph-credential-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('finds a secret in the configuration or a file, and says plainly when it is not there', () => {
      writeFileSync(join(dir, 'password'), 'from-a-file\n');
      expect(resolveCredential('secret:VC_PASSWORD', { VC_PASSWORD: 'from-config' })).toBe('from-config');
      expect(resolveCredential(`file:${join(dir, 'password')}`, {})).toBe('from-a-file\n');
      expect(() => resolveCredential('secret:MISSING', {})).toThrow(new Fatal('credential secret:MISSING is not configured: set secrets.MISSING or HOSTGRAPH_SECRET_MISSING for the worker'));
      expect(() => resolveCredential(`file:${join(dir, 'absent')}`, {})).toThrow(/cannot be read: ENOENT/);
    });
  });

  describe('HostDrivers', () => {
    const host = (overrides: Partial<HostConnection> = {}): HostConnection => ({ id: 'h1', name: 'h1', driver: 'sim', uri: 'sim:///default', credentialRef: null, ...overrides });
    const tables: string[] = [];
    const drivers = new HostDrivers({
      secrets: { KEY: 'not-a-real-key', PASSWORD: ' pw ' },
      sim: { latencyMs: 0, faults: {} },
      simStore: (table) => (tables.push(table), new MemorySimVmStore()),
    });
    afterAll(() => drivers.close());

    it('builds each host’s driver from its kind, URI and credential once, and again when they change', () => {
      const sim = drivers.forHost(host());
      expect(sim).toBeInstanceOf(SimDriver);
      expect(drivers.forHost(host())).toBe(sim);
      expect(drivers.forHost(host({ uri: 'sim:///other' }))).not.toBe(sim);
      expect(tables).toEqual(['sim_vms', 'sim_vms_other']);
      expect(drivers.forHost(host({ id: 'k', driver: 'kvm', uri: KVM, credentialRef: 'secret:KEY' }))).toBeInstanceOf(KvmDriver);
      expect(drivers.forHost(host({ id: 'v', driver: 'vmware', uri: 'vmware://u@vc/sdk', credentialRef: 'secret:PASSWORD' }))).toBeInstanceOf(VmwareDriver);
      expect(drivers.forHost(host({ id: 'x', driver: 'xen', uri: 'xen+https://root@xen1/?template=t', credentialRef: 'secret:PASSWORD' }))).toBeInstanceOf(XenDriver);
    });

    it('refuses a host whose secret is missing or whose URI was broken behind the inventory’s back, with Fatal', () => {
      expect(() => drivers.forHost(host({ id: 'k2', driver: 'kvm', uri: KVM, credentialRef: 'secret:NOPE' }))).toThrow(Fatal);
      const broken = () => drivers.forHost(host({ id: 'b', driver: 'kvm', uri: 'qemu+ssh://kvm1/system', credentialRef: 'secret:KEY' }));
      expect(broken).toThrow(Fatal);
      expect(broken).toThrow(/^host h1: A kvm URI names the SSH user/);
    });

    it('hands out the given driver for every sim host, as tests want', () => {
      const given = new SimDriver({ store: new MemorySimVmStore() });
      const withOverride = new HostDrivers({ secrets: {}, sim: { latencyMs: 0, faults: {} }, simStore: () => new MemorySimVmStore(), simDriver: given });
      expect(withOverride.forHost(host())).toBe(given);
      expect(withOverride.forHost(host({ id: 'h2', uri: 'sim:///b' }))).toBe(given);
    });
  });
});
