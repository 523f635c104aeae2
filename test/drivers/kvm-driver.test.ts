import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Fatal, NotFound, Transient, type VmSpec } from '../../drivers/driver.js';
import { HOSTGRAPH_NAMESPACE } from '../../drivers/kvm/domain-xml/hostgraph-metadata.js';
import { KvmDriver, type KvmDriverOptions } from '../../drivers/kvm/kvm-driver.js';
import { freePort } from '../support/free-port.js';
import { provideLibvirt, type LibvirtServer } from '../support/libvirt-server.js';
import { STATE } from '../support/servers.js';
import { startSshd, type SshdServer } from '../support/sshd-server.js';
import { describeDriverConformance } from './conformance.js';

/**
 * The kvm driver against the real thing: libvirtd with QEMU on this machine, reached as a remote
 * host would be, through an sshd on loopback. VMs are tiny and have no OS — which is also a guest
 * that never answers ACPI, so every graceful shutdown here ends in the hard power-off.
 */

// Decided before collecting, so a machine where libvirtd cannot run skips the suite with the reason.
const libvirt: LibvirtServer | Error = await provideLibvirt().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));

interface KvmTestHost {
  libvirt: LibvirtServer;
  sshd: SshdServer;
  storageDir: string;
  baseImage: string;
  options(overrides?: Partial<KvmDriverOptions>): KvmDriverOptions;
}

let testHost: Promise<KvmTestHost> | undefined;
let sshd: SshdServer | undefined;
let storageDir: string | undefined;

/** sshd and the storage directory with its base image, shared by every test of this file. */
function provideTestHost(server: LibvirtServer): Promise<KvmTestHost> {
  testHost ??= (async () => {
    sshd = await startSshd();
    storageDir = join(STATE, `kvm-${randomUUID().slice(0, 8)}`);
    mkdirSync(storageDir, { recursive: true, mode: 0o755 });
    const baseImage = join(storageDir, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', baseImage, '1G']);
    const { host, port, username, privateKey, hostKeyFingerprint } = sshd;
    return {
      libvirt: server,
      sshd,
      storageDir,
      baseImage,
      options: (overrides = {}) => ({
        ssh: { host, port, username, privateKey, hostKeyFingerprint },
        libvirtUri: server.uri,
        storageDir: storageDir!,
        baseImage,
        shutdownTimeoutMs: 500,
        ...overrides,
      }),
    };
  })();
  return testHost;
}

afterAll(async () => {
  await sshd?.stop();
  if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  if (!(libvirt instanceof Error)) await libvirt.stop();
});

/** The host name (fully qualified when the seed has one) and public host keys a NoCloud seed ISO gives its guest. */
function seedIsoIdentity(iso: string): { hostname: string; hostKeys: string[] } | null {
  if (!existsSync(iso)) return null;
  const config = parse(execFileSync('isoinfo', ['-R', '-i', iso, '-x', '/user-data'], { encoding: 'utf8' })) as { hostname: string; fqdn?: string; ssh_keys?: Record<string, string> };
  const hostKeys = Object.entries(config.ssh_keys ?? {})
    .filter(([name]) => name.endsWith('_public'))
    .map(([, key]) => key);
  return { hostname: config.fqdn ?? config.hostname, hostKeys };
}

if (libvirt instanceof Error) {
  describe('kvm driver', () => {
    it.skip(`skipped: libvirtd cannot run on this machine (${libvirt.message})`, () => {});
  });
} else {
  const server = libvirt;

  describeDriverConformance('kvm', async () => {
    const host = await provideTestHost(server);
    const driver = new KvmDriver(host.options());
    return {
      driver,
      hooks: {
        // A guest without an operating system never answers ACPI: every VM here is a hung guest.
        hungGuest: async () => {},
        unreachable: async (on) => (on ? host.sshd.interrupt() : host.sshd.resume()),
        // The seed ISO's user-data, as cloud-init will read it on the guest's first boot.
        seedOf: async (vm) => seedIsoIdentity(join(host.storageDir, `${vm.name}-seed.iso`)),
      },
      shutdownTimeoutMs: 300,
      teardown: () => driver.close(),
    };
  });

  describe('KvmDriver on libvirt through sshd', () => {
    let host: KvmTestHost;
    let driver: KvmDriver;
    const prefix = `kvm-${randomUUID().slice(0, 8)}`;
    const created = new Set<string>();
    let keys: string;

    beforeAll(async () => {
      host = await provideTestHost(server);
      driver = new KvmDriver(host.options());
      keys = mkdtempSync(join(STATE, 'kvm-keys-'));
    });

    afterEach(async () => {
      for (const ref of created) await driver.destroy(ref);
      created.clear();
    });

    afterAll(async () => {
      await driver?.close();
      if (keys) rmSync(keys, { recursive: true, force: true });
    });

    const create = async (spec: VmSpec) => {
      const vm = await driver.create(spec);
      created.add(vm.ref);
      return vm;
    };

    const virsh = (...args: string[]) => execFileSync('virsh', ['--connect', server.uri, '--quiet', ...args], { encoding: 'utf8' });
    const diskOf = (name: string) => join(host.storageDir, `${name}-vda.qcow2`);
    const seedOf = (name: string) => join(host.storageDir, `${name}-seed.iso`);
    const isoFile = (iso: string, file: string) => execFileSync('isoinfo', ['-R', '-i', iso, '-x', `/${file}`], { encoding: 'utf8' });

    function generateKey(name: string): { privateKey: string; publicKey: string } {
      const file = join(keys, name);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
      return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
    }

    function seededSpec(label: string): VmSpec {
      const hostKey = generateKey(`${label}-host`);
      return {
        name: `${prefix}-${label}`,
        vcpus: 2,
        memoryMiB: 96,
        diskGiB: 2,
        labels: { site: 'site-42', task: `task-${label}` },
        seed: {
          hostname: `${label}.hosting.example.org`,
          users: [
            { name: 'alice', uid: 20001, sshKeys: [generateKey(`${label}-alice`).publicKey] },
            { name: 'bob', sshKeys: [] },
          ],
          hostKeys: [{ type: 'ed25519', ...hostKey }],
        },
      };
    }

    it('defines the domain from the spec: vCPUs, memory, a disk over the base image, a MAC and our labels', async () => {
      const spec = seededSpec('xml');
      const vm = await create(spec);
      const domain = new DOMParser().parseFromString(virsh('dumpxml', '--domain', vm.ref), 'text/xml').documentElement!;
      const one = (name: string) => domain.getElementsByTagName(name)[0];

      expect(domain.getAttribute('type')).toBe(server.kvmUsable ? 'kvm' : 'qemu');
      expect(one('uuid').textContent).toBe(vm.ref);
      expect(one('name').textContent).toBe(spec.name);
      expect(one('vcpu').textContent).toBe('2');
      expect([one('memory').textContent, one('memory').getAttribute('unit')]).toEqual([String(96 * 1024), 'KiB']);
      const disk = Array.from(domain.getElementsByTagName('disk')).find((element) => element.getAttribute('device') === 'disk')!;
      expect(disk.getElementsByTagName('source')[0].getAttribute('file')).toBe(diskOf(spec.name));
      const image = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', diskOf(spec.name)], { encoding: 'utf8' }));
      expect(image).toMatchObject({ format: 'qcow2', 'virtual-size': 2 * 2 ** 30, 'full-backing-filename': host.baseImage });
      const mac = domain.getElementsByTagName('mac')[0].getAttribute('address');
      expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
      const labels = Array.from(domain.getElementsByTagNameNS(HOSTGRAPH_NAMESPACE, 'label')).map((label) => [
        label.getAttribute('name'),
        label.getAttribute('value'),
      ]);
      expect(Object.fromEntries(labels)).toEqual(spec.labels);
      expect(vm).toEqual({ ref: vm.ref, name: spec.name, powerState: 'stopped', vcpus: 2, memoryMiB: 96, diskGiB: 2, labels: spec.labels });
    });

    it('attaches a cloud-init NoCloud seed with the users, their SSH keys and the pre-generated host keys', async () => {
      const spec = seededSpec('seed');
      const vm = await create(spec);
      const seed = seedOf(spec.name);
      expect(execFileSync('isoinfo', ['-d', '-i', seed], { encoding: 'utf8' })).toMatch(/^Volume id: cidata$/m);
      const userData = isoFile(seed, 'user-data');
      expect(userData.startsWith('#cloud-config\n')).toBe(true);
      const config = parse(userData);
      expect(config).toMatchObject({
        hostname: 'seed',
        fqdn: 'seed.hosting.example.org',
        users: [
          { name: 'alice', uid: 20001, ssh_authorized_keys: spec.seed!.users[0].sshKeys },
          { name: 'bob', ssh_authorized_keys: [] },
        ],
        ssh_deletekeys: true,
        ssh_keys: { ed25519_private: spec.seed!.hostKeys![0].privateKey, ed25519_public: spec.seed!.hostKeys![0].publicKey },
      });
      expect(parse(isoFile(seed, 'meta-data'))).toEqual({ 'instance-id': vm.ref, 'local-hostname': 'seed' });
      // The seed holds private host keys: nobody but its owner may read it.
      expect(execFileSync('stat', ['-c', '%a', seed], { encoding: 'utf8' }).trim()).toBe('600');
      const cdrom = virsh('domblklist', '--domain', vm.ref, '--details');
      expect(cdrom).toMatch(new RegExp(`cdrom\\s+sda\\s+${seed.replaceAll('.', '\\.')}`));
    });

    it('clones into its own disk, MAC and seed: the same users, its own host name, no copy of the host keys', async () => {
      const spec = seededSpec('src');
      const source = await create(spec);
      const copy = await driver.clone(source.ref, `${prefix}-copy`);
      created.add(copy.ref);
      const macOf = (ref: string) => virsh('domiflist', '--domain', ref).trim().split(/\s+/).at(-1);
      expect(macOf(copy.ref)).toMatch(/^52:54:00/);
      expect(macOf(copy.ref)).not.toBe(macOf(source.ref));
      const image = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', diskOf(copy.name)], { encoding: 'utf8' }));
      expect(image).toMatchObject({ 'virtual-size': 2 * 2 ** 30, 'full-backing-filename': host.baseImage });
      const config = parse(isoFile(seedOf(copy.name), 'user-data'));
      expect(config.hostname).toBe(copy.name);
      expect(config.users.map((user: { name: string }) => user.name)).toEqual(['alice', 'bob']);
      expect(config).not.toHaveProperty('ssh_keys');
      expect(config).not.toHaveProperty('fqdn');
      expect(parse(isoFile(seedOf(copy.name), 'meta-data'))['instance-id']).toBe(copy.ref);
      // Changing the copy's disk leaves the source's alone.
      expect(diskOf(copy.name)).not.toBe(diskOf(source.name));
      expect(existsSync(diskOf(source.name))).toBe(true);
    });

    it('clones with the seed it is given: the clone boots with its own host name and host keys, under a new instance-id', async () => {
      const spec = seededSpec('prod');
      const source = await create(spec);
      const testKey = generateKey('test-copy-host');
      const copy = await driver.clone(source.ref, `${prefix}-test-copy`, {
        seed: { hostname: 'test-copy.hosting.example.org', users: [], hostKeys: [{ type: 'ed25519', ...testKey }] },
      });
      created.add(copy.ref);
      const config = parse(isoFile(seedOf(copy.name), 'user-data'));
      expect(config).toEqual({
        hostname: 'test-copy',
        fqdn: 'test-copy.hosting.example.org',
        ssh_deletekeys: true,
        ssh_keys: { ed25519_private: testKey.privateKey, ed25519_public: testKey.publicKey },
      });
      expect(JSON.stringify(config)).not.toContain(spec.seed!.hostKeys![0].publicKey);
      // A new instance-id: cloud-init takes the first boot for a new instance's and runs its per-instance modules again.
      expect(parse(isoFile(seedOf(copy.name), 'meta-data'))).toEqual({ 'instance-id': copy.ref, 'local-hostname': 'test-copy' });
      expect(execFileSync('stat', ['-c', '%a', seedOf(copy.name)], { encoding: 'utf8' }).trim()).toBe('600');
      // The source's seed is its own still.
      expect(parse(isoFile(seedOf(source.name), 'user-data'))).toMatchObject({ fqdn: 'prod.hosting.example.org', ssh_keys: { ed25519_public: spec.seed!.hostKeys![0].publicKey } });
      // A bad seed is refused before anything is made.
      await expect(driver.clone(source.ref, `${prefix}-bad-seed`, { seed: { hostname: 'not a host', users: [] } })).rejects.toBeInstanceOf(Fatal);
      expect(await driver.findByName(`${prefix}-bad-seed`)).toBeNull();
      expect(existsSync(seedOf(`${prefix}-bad-seed`))).toBe(false);
    });

    it('destroy leaves no disk, no seed and no snapshot metadata behind', async () => {
      const spec = seededSpec('gone');
      const vm = await create(spec);
      await driver.start(vm.ref);
      await driver.createSnapshot(vm.ref, 'running');
      await driver.powerOff(vm.ref);
      await driver.createSnapshot(vm.ref, 'stopped');
      expect(virsh('snapshot-list', '--domain', vm.ref, '--name').trim().split('\n')).toEqual(['running', 'stopped']);
      const snapshotMetadata = `/var/lib/libvirt/qemu/snapshot/${spec.name}`;
      expect(readdirSync(snapshotMetadata).sort()).toEqual(['running.xml', 'stopped.xml']);

      await driver.destroy(vm.ref);
      created.delete(vm.ref);
      expect(existsSync(diskOf(spec.name))).toBe(false);
      expect(existsSync(seedOf(spec.name))).toBe(false);
      expect(existsSync(snapshotMetadata) ? readdirSync(snapshotMetadata) : []).toEqual([]);
      expect(() => virsh('dominfo', '--domain', vm.ref)).toThrow(/failed to get domain/);
      expect(existsSync(host.baseImage)).toBe(true);
    });

    it('keeps labels with quotes, markup, line breaks, bare whitespace and emoji exactly', async () => {
      const labels = { note: `it's a "test" <b>&amp;</b> \\ $1 ünïcode 🎉\n\ttab\r`, blank: '   ', empty: '' };
      const vm = await create({ name: `${prefix}-labels`, vcpus: 1, memoryMiB: 64, diskGiB: 1, labels });
      expect(vm.labels).toEqual(labels);
      expect((await driver.get(vm.ref))?.labels).toEqual(labels);
      // The same labels make a retried create find this VM.
      expect((await driver.create({ name: vm.name, vcpus: 1, memoryMiB: 64, diskGiB: 1, labels })).ref).toBe(vm.ref);
    });

    it('refuses names that the shell or virsh could read as code or options, and quotes every lookup', async () => {
      const marker = join(keys, 'injected');
      for (const name of [`x; touch ${marker}`, `$(touch ${marker})`, '-help', 'a/../../b', 'x'.repeat(65), '']) {
        await expect(driver.create({ name, vcpus: 1, memoryMiB: 64, diskGiB: 1 })).rejects.toBeInstanceOf(Fatal);
      }
      expect(await driver.findByName(`'; touch ${marker}; '`)).toBeNull();
      expect(await driver.findByName(`--all`)).toBeNull();
      expect(await driver.get(`$(touch ${marker})`)).toBeNull();
      const vm = await create({ name: `${prefix}-names`, vcpus: 1, memoryMiB: 64, diskGiB: 1 });
      await expect(driver.createSnapshot(vm.ref, `s\`touch ${marker}\``)).rejects.toBeInstanceOf(Fatal);
      await expect(driver.clone(vm.ref, `c|touch ${marker}`)).rejects.toBeInstanceOf(Fatal);
      await expect(driver.revertSnapshot(vm.ref, `'; touch ${marker}; '`)).rejects.toBeInstanceOf(NotFound);
      expect(existsSync(marker)).toBe(false);
    });

    it("keeps virsh's own words in its errors", async () => {
      const vm = await create({ name: `${prefix}-words`, vcpus: 1, memoryMiB: 64, diskGiB: 1 });
      await expect(driver.revertSnapshot(vm.ref, 'never-taken')).rejects.toThrow(/Domain snapshot not found.*never-taken/);
      await expect(driver.deleteSnapshot(vm.ref, 'never-taken')).rejects.toBeInstanceOf(NotFound);
    });

    it('says Transient when nothing answers on the ssh port', async () => {
      const unreachable = new KvmDriver(host.options({ ssh: { ...host.options().ssh, port: await freePort() } }));
      try {
        const error = await unreachable.list().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(Transient);
        expect((error as Error).message).toMatch(/ECONNREFUSED/);
        await expect(unreachable.get(randomUUID())).rejects.toBeInstanceOf(Transient);
      } finally {
        await unreachable.close();
      }
    });

    it('says Fatal, not Transient, for a host key that is not the expected one or a key the host refuses', async () => {
      const options = host.options();
      const impostor = new KvmDriver({ ...options, ssh: { ...options.ssh, hostKeyFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
      await expect(impostor.list()).rejects.toThrow(Fatal);
      await expect(impostor.list()).rejects.toThrow(/host key is SHA256:.*not the expected/);
      await impostor.close();
      const stranger = new KvmDriver({ ...options, ssh: { ...options.ssh, privateKey: generateKey('stranger').privateKey } });
      await expect(stranger.list()).rejects.toThrow(/refused the key/);
      await stranger.close();
    });

    it('reconnects after the host drops the connection', async () => {
      const vm = await create({ name: `${prefix}-reconnect`, vcpus: 1, memoryMiB: 64, diskGiB: 1 });
      await host.sshd.interrupt();
      try {
        await expect(driver.get(vm.ref)).rejects.toBeInstanceOf(Transient);
      } finally {
        await host.sshd.resume();
      }
      expect((await driver.get(vm.ref))?.name).toBe(vm.name);
    });
  });
}
