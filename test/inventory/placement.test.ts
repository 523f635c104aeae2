import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../core/database/open-database.js';
import { HypervisorHostEntity, type HypervisorHost } from '../../subgraphs/inventory/hosts/host-entity.js';
import { HostService } from '../../subgraphs/inventory/hosts/host-service.js';
import { openInventoryDatabase } from '../../subgraphs/inventory/inventory-database.js';
import { rankHosts, type Overcommit } from '../../subgraphs/inventory/placement/choose-host.js';
import { VmPlacementEntity } from '../../subgraphs/inventory/placement/placement-entity.js';
import { PlacementService } from '../../subgraphs/inventory/placement/placement-service.js';
import { createPostgresDatabase } from '../support/postgres-database.js';

const NO_OVERCOMMIT: Overcommit = { vcpus: 1, memory: 1, disk: 1 };

const hostRow = (name: string, overrides: Partial<HypervisorHost> = {}): HypervisorHost =>
  ({
    id: randomUUID(),
    name,
    driver: 'sim',
    uri: 'sim:///default',
    credentialRef: null,
    location: null,
    capacityVcpus: 8,
    capacityMemoryMiB: 16384,
    capacityDiskGiB: 500,
    allocatedVcpus: 0,
    allocatedMemoryMiB: 0,
    allocatedDiskGiB: 0,
    state: 'ENABLED',
    reachable: null,
    lastReconciledAt: null,
    lastReconcileError: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides,
  }) as HypervisorHost;

const need = { vcpus: 2, memoryMiB: 4096, diskGiB: 40 };

describe('choosing a host: filter, then weigh', () => {
  it('keeps only enabled hosts of the requested driver with room for the VM', () => {
    const hosts = [
      hostRow('draining', { state: 'DRAINING' }),
      hostRow('disabled', { state: 'DISABLED' }),
      hostRow('kvm', { driver: 'kvm' }),
      hostRow('full-ram', { allocatedMemoryMiB: 14000 }),
      hostRow('full-cpu', { allocatedVcpus: 7 }),
      hostRow('full-disk', { allocatedDiskGiB: 470 }),
      hostRow('fits'),
    ];
    expect(rankHosts(hosts, need, NO_OVERCOMMIT).map((host) => host.name)).toEqual(['fits', 'kvm']);
    expect(rankHosts(hosts, { ...need, driver: 'kvm' }, NO_OVERCOMMIT).map((host) => host.name)).toEqual(['kvm']);
    expect(rankHosts(hosts, { ...need, driver: 'xen' }, NO_OVERCOMMIT)).toEqual([]);
  });

  it('lets the overcommit ratios stretch each resource on its own', () => {
    const busy = hostRow('busy', { allocatedVcpus: 8, allocatedMemoryMiB: 12288, allocatedDiskGiB: 470 });
    expect(rankHosts([busy], need, NO_OVERCOMMIT)).toEqual([]);
    expect(rankHosts([busy], need, { vcpus: 4, memory: 1, disk: 1 })).toEqual([]); // disk still full
    expect(rankHosts([busy], need, { vcpus: 4, memory: 1, disk: 1.1 }).map((host) => host.name)).toEqual(['busy']);
    expect(rankHosts([busy], need, { vcpus: 1.2, memory: 1, disk: 1.1 })).toEqual([]); // 9 vCPUs in all, 8 taken: one short of 2
  });

  it('puts the most free RAM first and breaks ties by name, whatever order the hosts come in', () => {
    const hosts = [
      hostRow('c', { allocatedMemoryMiB: 1024 }),
      hostRow('b', { capacityMemoryMiB: 65536 }),
      hostRow('a2', { allocatedMemoryMiB: 1024 }),
      hostRow('a1', { allocatedMemoryMiB: 1024 }),
    ];
    const expected = ['b', 'a1', 'a2', 'c'];
    expect(rankHosts(hosts, need, NO_OVERCOMMIT).map((host) => host.name)).toEqual(expected);
    expect(rankHosts([...hosts].reverse(), need, NO_OVERCOMMIT).map((host) => host.name)).toEqual(expected);
  });
});

const DATABASES = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hostgraph-placement-'));
      return { url: `sqlite:${join(dir, 'inventory.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'PostgreSQL', open: () => createPostgresDatabase(inject('postgresUrl')) },
];

describe.each(DATABASES)('placement on $name', ({ open }) => {
  let orm: MikroORM;
  let drop: () => Promise<void>;
  let hosts: HostService;
  let placements: PlacementService;

  beforeAll(async () => {
    const database = await open();
    drop = database.drop;
    orm = await openInventoryDatabase(database.url);
    await migrate(orm);
    hosts = new HostService(orm, NO_OVERCOMMIT);
    placements = new PlacementService(orm, NO_OVERCOMMIT);
  });
  afterAll(async () => {
    await orm?.close();
    await drop?.();
  });
  beforeEach(async () => {
    await orm.em.fork().nativeDelete(VmPlacementEntity, {});
    await orm.em.fork().nativeDelete(HypervisorHostEntity, {});
  });

  const addHost = (name: string, capacity = { vcpus: 4, memoryMiB: 8192, diskGiB: 100 }, driver = 'sim') =>
    hosts.add({ name, driver, uri: driver === 'sim' ? 'sim:///default' : 'qemu+ssh://root@kvm1/system?storageDir=/s&baseImage=/s/b.qcow2', credentialRef: driver === 'sim' ? null : 'secret:K', capacity });
  const request = (overrides: Partial<Parameters<PlacementService['place']>[0]> = {}) => ({
    vmId: randomUUID(),
    siteId: randomUUID(),
    vmName: `vm-${randomUUID().slice(0, 8)}`,
    vcpus: 1,
    memoryMiB: 2048,
    diskGiB: 20,
    ...overrides,
  });
  const allocation = async (name: string) => {
    const host = await orm.em.fork().findOneOrFail(HypervisorHostEntity, { name });
    return { vcpus: host.allocatedVcpus, memoryMiB: host.allocatedMemoryMiB, diskGiB: host.allocatedDiskGiB };
  };

  it('places on the host with the most free RAM and holds the VM’s resources there; asking again changes nothing', async () => {
    await addHost('small', { vcpus: 4, memoryMiB: 4096, diskGiB: 100 });
    await addHost('big', { vcpus: 4, memoryMiB: 16384, diskGiB: 100 });
    const vm = request();
    const { host, placement } = await placements.place(vm);
    expect(host.name).toBe('big');
    expect(placement).toMatchObject({ vmId: vm.vmId, hostId: host.id, vcpus: 1, memoryMiB: 2048, diskGiB: 20 });
    expect((await placements.place(vm)).host.id).toBe(host.id);
    expect(await allocation('big')).toEqual({ vcpus: 1, memoryMiB: 2048, diskGiB: 20 });
    expect(await allocation('small')).toEqual({ vcpus: 0, memoryMiB: 0, diskGiB: 0 });
  });

  it('takes only hosts of the requested driver', async () => {
    await addHost('sim-big', { vcpus: 64, memoryMiB: 262144, diskGiB: 1000 });
    await addHost('kvm-small', undefined, 'kvm');
    expect((await placements.place(request({ driver: 'kvm' }))).host.name).toBe('kvm-small');
  });

  it('refuses with NO_CAPACITY when no host has room, saying what was asked and what is free, and allocates nothing', async () => {
    await addHost('tiny', { vcpus: 1, memoryMiB: 1024, diskGiB: 10 });
    const refused = await placements.place(request()).catch((error: unknown) => error);
    expect(refused).toMatchObject({ extensions: { code: 'NO_CAPACITY', requested: { vcpus: 1, memoryMiB: 2048, diskGiB: 20 } } });
    expect((refused as Error).message).toMatch(/No hypervisor host can take 1 vCPU, 2048 MiB RAM and 20 GiB disk: none of the 1 enabled host\(s\) has room \(most free: tiny, 1 vCPU, 1024 MiB, 10 GiB\)/);
    await expect(placements.place(request({ driver: 'xen' }))).rejects.toThrow(/no xen host is enabled/);
    expect(await allocation('tiny')).toEqual({ vcpus: 0, memoryMiB: 0, diskGiB: 0 });
    expect(await orm.em.fork().count(VmPlacementEntity, {})).toBe(0);
  });

  it('never places on a draining or disabled host', async () => {
    const draining = await addHost('draining');
    await hosts.setState(draining.id, 'DRAINING');
    await expect(placements.place(request())).rejects.toMatchObject({ extensions: { code: 'NO_CAPACITY' } });
    await hosts.setState(draining.id, 'ENABLED');
    expect((await placements.place(request())).host.name).toBe('draining');
  });

  it('gives exactly one of many concurrent placements the last room, and no other leaves anything allocated', async () => {
    // Room for three 2 GiB VMs across two hosts, and twelve asking at once.
    await addHost('one', { vcpus: 16, memoryMiB: 4096, diskGiB: 1000 });
    await addHost('two', { vcpus: 16, memoryMiB: 2048, diskGiB: 1000 });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => placements.place(request())));
    const placed = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(placed).toHaveLength(3);
    for (const result of refused) expect(result.reason).toMatchObject({ extensions: { code: 'NO_CAPACITY' } });
    expect(await allocation('one')).toEqual({ vcpus: 2, memoryMiB: 4096, diskGiB: 40 });
    expect(await allocation('two')).toEqual({ vcpus: 1, memoryMiB: 2048, diskGiB: 20 });
    expect(await orm.em.fork().count(VmPlacementEntity, {})).toBe(3);
  });

  it('places one VM asked for twice at once only once', async () => {
    await addHost('only');
    const vm = request();
    const [first, second] = await Promise.all([placements.place(vm), placements.place(vm)]);
    expect(second.host.id).toBe(first.host.id);
    expect(await allocation('only')).toEqual({ vcpus: 1, memoryMiB: 2048, diskGiB: 20 });
  });

  it('gives the room back on release, once', async () => {
    await addHost('host');
    const vm = request();
    await placements.place(vm);
    expect(await placements.release(vm.vmId)).toBe(true);
    expect(await placements.release(vm.vmId)).toBe(false);
    expect(await allocation('host')).toEqual({ vcpus: 0, memoryMiB: 0, diskGiB: 0 });
    expect(await placements.get(vm.vmId)).toBeNull();
  });

  it('refuses nonsense requests before reading a host', async () => {
    await expect(placements.place(request({ vcpus: 0 }))).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'vcpus' } });
    await expect(placements.place(request({ memoryMiB: -1 }))).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'memoryMiB' } });
    await expect(placements.place(request({ vmId: 'nope' }))).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'vmId' } });
    await expect(placements.place(request({ driver: 'hyperv' }))).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'driver' } });
  });

  it('removes an empty host, refuses one with VMs, and refuses moving a host to the state it is in', async () => {
    const busy = await addHost('busy');
    const vm = request({ vmName: 'blog-1234abcd' });
    await placements.place(vm);
    await expect(hosts.remove(busy.id)).rejects.toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/still has VMs \(blog-1234abcd\)/) });
    await hosts.setState(busy.id, 'DRAINING');
    await expect(hosts.setState(busy.id, 'DRAINING')).rejects.toMatchObject({ extensions: { code: 'CONFLICT' }, message: 'Host busy is already DRAINING' });
    await placements.release(vm.vmId);
    expect((await hosts.remove(busy.id)).name).toBe('busy');
    await expect(hosts.get(busy.id)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });
});
