import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate, type Dialect } from '../../core/database/open-database.js';
import { HostgraphError } from '../../core/errors.js';
import { AddressEntity } from '../../subgraphs/ipreg/addresses/address-entity.js';
import { openIpregDatabase } from '../../subgraphs/ipreg/ipreg-database.js';
import { NameEntity } from '../../subgraphs/ipreg/names/name-entity.js';
import { NetworkService } from '../../subgraphs/ipreg/network/network-service.js';
import { PoolService } from '../../subgraphs/ipreg/pools/pool-service.js';
import { createPostgresDatabase } from '../support/postgres-database.js';

const ZONES = ['hosting.test', '2.0.192.in-addr.arpa'];

const DIALECTS: { name: string; dialect: Dialect; open: () => Promise<{ url: string; drop(): Promise<void> }> }[] = [
  {
    name: 'SQLite',
    dialect: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ipreg-'));
      return { url: `sqlite:${join(dir, 'ipreg.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'PostgreSQL', dialect: 'postgresql', open: () => createPostgresDatabase(inject('postgresUrl')) },
];

const codeOf = (error: unknown) => (error instanceof HostgraphError ? error.extensions.code : String(error));

describe.each(DIALECTS)('allocating addresses on $name', ({ dialect, open }) => {
  let orm: MikroORM;
  let drop: () => Promise<void>;
  let pools: PoolService;
  let now = new Date('2026-01-01T00:00:00Z');
  const network = (quarantineSeconds = 3600) =>
    new NetworkService(orm, { quarantineSeconds, recordTtl: 300, zones: ZONES, hostKeyEncryptionKey: randomBytes(32), clock: () => now });

  beforeAll(async () => {
    const db = await open();
    drop = db.drop;
    orm = await openIpregDatabase(db.url);
    await migrate(orm);
    pools = new PoolService(orm, ZONES, dialect);
  });
  afterAll(async () => {
    await orm?.close();
    await drop?.();
  });

  it('gives 200 concurrent allocations 200 distinct addresses of each family, without an error', async () => {
    await pools.create({ name: 'svc-v4', prefix: '10.20.0.0/22', purpose: 'SERVICE', zone: 'hosting.test', gateway: '10.20.0.1' });
    await pools.create({ name: 'svc-v6', prefix: '2001:db8:20::/64', purpose: 'SERVICE', zone: 'hosting.test' });
    const service = network();
    const sites = Array.from({ length: 200 }, () => randomUUID());
    const results = await Promise.allSettled(sites.map((siteId) => service.allocate({ siteId, purpose: 'SERVICE' })));
    expect(results.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
    const names = results.map((result) => (result as PromiseFulfilledResult<{ id: string; fqdn: string }>).value);
    expect(new Set(names.map((name) => name.fqdn)).size).toBe(200);
    const addresses = await service.addressesOf(names.map((name) => name.id));
    expect(addresses).toHaveLength(400);
    expect(new Set(addresses.map((row) => row.address)).size).toBe(400);
    expect(addresses.filter((row) => row.address.includes(':'))).toHaveLength(200);
    // Never the network address or the gateway.
    expect(addresses.map((row) => row.address)).not.toContain('10.20.0.0');
    expect(addresses.map((row) => row.address)).not.toContain('10.20.0.1');
    // Every name holds one of each family.
    for (const name of names) expect(addresses.filter((row) => row.nameId === name.id).map((row) => row.address.includes(':')).sort()).toEqual([false, true]);
  });

  it('returns the same name to a retried allocation, also when the retries race', async () => {
    const service = network();
    const siteId = randomUUID();
    const names = await Promise.all(Array.from({ length: 10 }, () => service.allocate({ siteId, purpose: 'SERVICE' })));
    expect(new Set(names.map((name) => name.id)).size).toBe(1);
    expect(await orm.em.fork().count(NameEntity, { siteId })).toBe(1);
  });

  it('walks an IPv6 /64 without listing it: a reserved range of 2^64 - 16 addresses is skipped by arithmetic', async () => {
    await pools.create({
      name: 'test-v6',
      prefix: '2001:db8:30::/64',
      purpose: 'TEST',
      zone: 'hosting.test',
      reserved: [{ from: '2001:db8:30::1', to: '2001:db8:30:0:ffff:ffff:ffff:fff0' }],
    });
    const service = network();
    const first = await service.allocate({ siteId: randomUUID(), purpose: 'TEST' });
    expect((await service.addressesOf([first.id])).map((row) => row.address)).toEqual(['2001:db8:30:0:ffff:ffff:ffff:fff1']);
    // 15 addresses are left: the 16th allocation finds the pool full.
    for (let i = 0; i < 14; i++) await service.allocate({ siteId: randomUUID(), purpose: 'TEST' });
    const full = await service.allocate({ siteId: randomUUID(), purpose: 'TEST' }).catch((error) => error);
    expect(codeOf(full)).toBe('POOL_EXHAUSTED');
    expect(full.message).toMatch(/TEST IPv6 pool is full \(test-v6\)/);
  });

  it('says POOL_EXHAUSTED when a pool is full, leaves nothing behind, and hands released addresses out only after their quarantine', async () => {
    // A /29: 6 usable addresses, one the gateway, one reserved: 4 to hand out.
    await pools.create({ name: 'host-v4', prefix: '10.30.0.0/29', purpose: 'HOST', zone: 'hosting.test', gateway: '10.30.0.1', reserved: [{ from: '10.30.0.6', to: '10.30.0.6' }] });
    const service = network(600);
    const sites = Array.from({ length: 4 }, () => randomUUID());
    const held: { id: string }[] = [];
    for (const siteId of sites) held.push(await service.allocate({ siteId, vmId: randomUUID(), purpose: 'HOST' }));
    const addresses = await service.addressesOf(held.map((name) => name.id));
    expect(addresses.map((row) => row.address).sort()).toEqual(['10.30.0.2', '10.30.0.3', '10.30.0.4', '10.30.0.5']);
    // Host names come with their host keys.
    expect((await service.hostKeysOf([held[0]!.id])).map((key) => key.algorithm)).toEqual(['ecdsa-p256', 'ed25519', 'rsa-3072']);

    const before = await orm.em.fork().count(NameEntity, {});
    const refused = await service.allocate({ siteId: randomUUID(), vmId: randomUUID(), purpose: 'HOST' }).catch((error) => error);
    expect(codeOf(refused)).toBe('POOL_EXHAUSTED');
    expect(await orm.em.fork().count(NameEntity, {})).toBe(before);

    expect(await service.release(sites[0]!)).toBe(1);
    const [released] = await orm.em.fork().find(AddressEntity, { address: addresses.find((row) => row.nameId === held[0]!.id)!.address });
    expect(released).toMatchObject({ state: 'QUARANTINED', nameId: null, siteId: null });
    expect(codeOf(await service.allocate({ siteId: randomUUID(), vmId: randomUUID(), purpose: 'HOST' }).catch((error) => error))).toBe('POOL_EXHAUSTED');

    now = new Date(now.getTime() + 601_000);
    const reused = await service.allocate({ siteId: randomUUID(), vmId: randomUUID(), purpose: 'HOST' });
    expect((await service.addressesOf([reused.id])).map((row) => row.address)).toEqual([released!.address]);
  });

  it('lets admins reserve more of a pool, but not what is allocated', async () => {
    const pool = await pools.create({ name: 'test-v4', prefix: '10.60.0.0/24', purpose: 'TEST', zone: 'hosting.test' });
    // test-v6 is full: IPv6 comes from the next pool of the family.
    await pools.create({ name: 'test-v6-more', prefix: '2001:db8:31::/64', purpose: 'TEST', zone: 'hosting.test' });
    const service = network();
    const first = await service.allocate({ siteId: randomUUID(), purpose: 'TEST' });
    expect((await service.addressesOf([first.id])).map((row) => row.address)).toEqual(['10.60.0.1', '2001:db8:31::1']);
    const refused = await pools.update(pool.id, { reserved: [{ from: '10.60.0.1', to: '10.60.0.9' }] }).catch((error) => error);
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(refused.message).toMatch(/10\.60\.0\.1 would be reserved but is allocated/);
    expect((await pools.get(pool.id)).reserved).toEqual([]);
    const updated = await pools.update(pool.id, { gateway: '10.60.0.2', reserved: [{ from: '10.60.0.3', to: '10.60.0.9' }] });
    expect(updated).toMatchObject({ gateway: '10.60.0.2', reserved: [{ from: '10.60.0.3', to: '10.60.0.9' }] });
    const next = await service.allocate({ siteId: randomUUID(), purpose: 'TEST' });
    expect((await service.addressesOf([next.id])).map((row) => row.address)).toContain('10.60.0.10');
  });

  it("refuses a VM's host name to a site that does not hold it", async () => {
    await pools.create({ name: 'host-v4-more', prefix: '10.70.0.0/24', purpose: 'HOST', zone: 'hosting.test' });
    const service = network();
    const vmId = randomUUID();
    const owner = randomUUID();
    expect((await service.allocate({ siteId: owner, vmId, purpose: 'HOST' })).siteId).toBe(owner);
    const other = await service.allocate({ siteId: randomUUID(), vmId, purpose: 'HOST' }).catch((error) => error);
    expect(codeOf(other)).toBe('CONFLICT');
  });

  it('refuses malformed and overlapping prefixes, and stores nothing', async () => {
    const count = async () => (await pools.list()).length;
    const before = await count();
    const attempts = [
      { prefix: '10.20.1.0/24', message: /overlaps pool svc-v4/ },
      { prefix: '10.0.0.0/8', message: /overlaps pool [a-z-]+-v4 \(10\./ },
      { prefix: '10.40.0.5/24', message: /host bits set; the network is 10\.40\.0\.0\/24/ },
      { prefix: '10.40.0.0/33', message: /between \/8 and \/30/ },
      { prefix: '2001:db8::/32', message: /between \/48 and \/126/ },
      { prefix: 'banana', message: /not a prefix in CIDR notation/ },
      { prefix: '010.1.1.0/24', message: /not a prefix in CIDR notation/ },
      { prefix: '10.50.0.0/24', gateway: '10.51.0.1', message: /gateway 10\.51\.0\.1 is not a usable address/ },
      { prefix: '10.50.0.0/24', reserved: [{ from: '10.50.0.9', to: '10.50.0.2' }], message: /ends before it starts/ },
      { prefix: '10.50.0.0/24', zone: 'elsewhere.org', message: /not one of the managed zones/ },
    ];
    for (const { message, ...input } of attempts) {
      const error = await pools.create({ name: 'bad', purpose: 'SERVICE', zone: 'hosting.test', ...input }).catch((caught) => caught);
      expect(codeOf(error), input.prefix).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(message);
    }
    expect(await count()).toBe(before);
  });
});
