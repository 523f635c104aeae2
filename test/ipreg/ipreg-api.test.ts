import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from '../identity/identity-fixture.js';
import { createSite, deleteSite } from '../inventory/inventory-fixture.js';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

const POOL = 'id name prefix ipVersion purpose zone gateway reserved { from to } size allocatedCount quarantinedCount';
const CREATE_POOL = `mutation ($input: CreatePoolInput!) { createPool(input: $input) { ${POOL} } }`;
const SITE_NETWORK = `query ($id: ID!) { site(id: $id) {
  serviceName serviceAddresses
  names { fqdn kind state addresses { address state } records { name type data } hostKeys { algorithm publicKey } }
  vm { id hostName addresses hostKeys { algorithm publicKey } }
} }`;
const ALLOCATE = 'mutation ($siteId: ID!, $purpose: PoolPurpose!) { allocateNetwork(siteId: $siteId, purpose: $purpose) { fqdn addresses { address } } }';

describe.each(DATABASES)('the IP registry through the gateway on $name', ({ database }) => {
  let instance: Instance;
  let drop: () => Promise<void>;
  const zoneFile = () => readFileSync(join(instance.config.dataDir, 'zones', 'hosting.example.org.zone'), 'utf8');

  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    instance = await startInstance({ database: db.url, settings: { ipreg: { preallocate: { count: 0 } } } });
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
  });

  it('starts with the embedded pools, shown to platform admins only', async () => {
    const { pools } = await query(instance.url, `{ pools { ${POOL} } }`, {}, TOKENS.admin);
    expect(pools.map((pool: any) => `${pool.name} ${pool.prefix} ${pool.purpose}`)).toEqual([
      'host-v4 198.51.100.0/24 HOST',
      'host-v6 2001:db8:0:2::/64 HOST',
      'service-v4 192.0.2.0/24 SERVICE',
      'service-v6 2001:db8:0:1::/64 SERVICE',
      'test-v4 203.0.113.0/24 TEST',
      'test-v6 2001:db8:0:3::/64 TEST',
    ]);
    expect(pools.find((pool: any) => pool.name === 'host-v6').size).toBe('18446744073709551616');
    expect(errorCodes((await graphql(instance.url, '{ pools { id } }', {}, TOKENS.alice)).body)).toEqual(['FORBIDDEN']);
    const input = { name: 'mine', prefix: '10.9.0.0/24', purpose: 'SERVICE', zone: 'hosting.example.org' };
    expect(errorCodes((await graphql(instance.url, CREATE_POOL, { input }, TOKENS.alice)).body)).toEqual(['FORBIDDEN']);
  });

  it('lets admins add and remove pools, and refuses bad ones with a code, storing nothing', async () => {
    const input = { name: 'extra', prefix: '10.9.0.0/24', purpose: 'TEST', zone: 'hosting.example.org', gateway: '10.9.0.1', reserved: [{ from: '10.9.0.2', to: '10.9.0.20' }] };
    const { createPool } = await query(instance.url, CREATE_POOL, { input }, TOKENS.admin);
    expect(createPool).toMatchObject({ name: 'extra', prefix: '10.9.0.0/24', ipVersion: 4, gateway: '10.9.0.1', reserved: [{ from: '10.9.0.2', to: '10.9.0.20' }], size: '256', allocatedCount: 0 });
    for (const [bad, code] of [
      [{ prefix: '10.9.0.128/25', name: 'overlap' }, 'BAD_USER_INPUT'],
      [{ prefix: '10.10.0.1/24', name: 'hostbits' }, 'BAD_USER_INPUT'],
      [{ prefix: '10.10.0.0/24', name: 'Bad Name' }, 'BAD_USER_INPUT'],
      [{ prefix: '10.10.0.0/24', name: 'elsewhere', zone: 'example.com' }, 'BAD_USER_INPUT'],
      [{ prefix: '10.10.0.0/24', name: 'extra' }, 'CONFLICT'],
    ] as const) {
      const response = await graphql(instance.url, CREATE_POOL, { input: { ...input, gateway: null, reserved: null, ...bad } }, TOKENS.admin);
      expect(errorCodes(response.body), JSON.stringify(bad)).toEqual([code]);
    }
    expect((await query(instance.url, '{ pools { name } }', {}, TOKENS.admin)).pools).toHaveLength(7);
    await query(instance.url, 'mutation ($id: ID!) { deletePool(id: $id) { id } }', { id: createPool.id }, TOKENS.admin);
    expect((await query(instance.url, '{ pools { name } }', {}, TOKENS.admin)).pools).toHaveLength(6);
  });

  it('gives a new site a service name and its VM a host name, each with IPv4 and IPv6, published in the zone', async () => {
    const site = await createSite(instance.url, 'named');
    const task = await site.finished();
    expect(task).toMatchObject({ state: 'SUCCEEDED', error: null });
    expect(task.steps.map((step) => step.name)).toEqual(['place', 'allocate-network', 'create-vm', 'start-vm', 'wait-for-ssh', 'provision', 'publish-dns']);

    const seen = (await query(instance.url, SITE_NETWORK, { id: site.siteId }, TOKENS.alice)).site;
    const held = (await query(instance.url, '{ pools(purpose: SERVICE) { addresses(state: ALLOCATED) { address holder { fqdn } site { id } pool { name } } } }', {}, TOKENS.admin)).pools.flatMap((pool: any) => pool.addresses);
    expect(held).toContainEqual({ address: seen.serviceAddresses[0], holder: { fqdn: seen.serviceName }, site: { id: site.siteId }, pool: { name: 'service-v4' } });
    expect(seen.serviceName).toMatch(/^s-[0-9a-f]{10}\.hosting\.example\.org$/);
    expect(seen.serviceAddresses).toEqual([expect.stringMatching(/^192\.0\.2\.\d+$/), expect.stringMatching(/^2001:db8:0:1::[0-9a-f]+$/)]);
    expect(seen.vm.hostName).toMatch(/^h-[0-9a-f]{10}\.hosting\.example\.org$/);
    expect(seen.vm.addresses).toEqual([expect.stringMatching(/^198\.51\.100\.\d+$/), expect.stringMatching(/^2001:db8:0:2::[0-9a-f]+$/)]);
    expect(seen.vm.hostKeys.map((key: any) => key.algorithm)).toEqual(['ecdsa-p256', 'ed25519', 'rsa-3072']);
    // Never the gateway.
    expect(seen.serviceAddresses).not.toContain('192.0.2.1');
    const host = seen.names.find((name: any) => name.kind === 'HOST');
    expect(host.records.map((record: any) => record.type).sort()).toEqual(['A', 'AAAA', 'PTR', 'PTR', 'SSHFP', 'SSHFP', 'SSHFP']);

    const zone = zoneFile();
    expect(zone).toContain(`${seen.serviceName}. 300 IN A ${seen.serviceAddresses[0]}`);
    expect(zone).toContain(`${seen.vm.hostName}. 300 IN AAAA ${seen.vm.addresses[1]}`);
    expect(zone).toMatch(new RegExp(`${seen.vm.hostName.replace(/\./g, '\\.')}\\. 300 IN SSHFP 4 2 [0-9a-f]{64}`));

    // Deleting the site withdraws its records and quarantines its addresses.
    const deleted = await deleteSite(instance.url, site.siteId);
    expect(deleted).toMatchObject({ state: 'SUCCEEDED' });
    expect(deleted.steps.map((step) => step.name)).toEqual(['unpublish-dns', 'destroy-vm', 'release-placement', 'release-network', 'forget-access', 'remove-site']);
    expect(zoneFile()).not.toContain(seen.serviceName);
    expect(zoneFile()).not.toContain(seen.vm.hostName);
    const { pools } = await query(instance.url, '{ pools { name quarantinedCount allocatedCount addresses(state: QUARANTINED) { address quarantinedUntil holder { fqdn } site { id } } } }', {}, TOKENS.admin);
    expect(pools.flatMap((pool: any) => pool.addresses).every((address: any) => address.holder === null && address.site === null && address.quarantinedUntil)).toBe(true);
    const quarantined = pools.flatMap((pool: any) => pool.addresses.map((address: any) => address.address));
    expect(quarantined).toEqual(expect.arrayContaining([...seen.serviceAddresses, ...seen.vm.addresses]));

    const ADDRESS = 'query ($address: String!) { address(address: $address) { address state site { id } pool { name } } }';
    expect((await query(instance.url, ADDRESS, { address: seen.serviceAddresses[0] }, TOKENS.admin)).address).toEqual({ address: seen.serviceAddresses[0], state: 'QUARANTINED', site: null, pool: { name: 'service-v4' } });
    expect((await query(instance.url, ADDRESS, { address: '2001:db8:0:2:ffff::1' }, TOKENS.admin)).address).toEqual({ address: '2001:db8:0:2:ffff::1', state: 'FREE', site: null, pool: { name: 'host-v6' } });
    expect(errorCodes((await graphql(instance.url, ADDRESS, { address: '10.1.1.1' }, TOKENS.admin)).body)).toEqual(['NOT_FOUND']);
    expect(errorCodes((await graphql(instance.url, ADDRESS, { address: '192.0.2' }, TOKENS.admin)).body)).toEqual(['BAD_USER_INPUT']);
  });

  it('allocates for sites its caller manages only, and says NOT_FOUND for sites that do not exist', async () => {
    const site = await createSite(instance.url, 'mine');
    await site.finished();
    const unknown = await graphql(instance.url, ALLOCATE, { siteId: randomUUID(), purpose: 'TEST' }, TOKENS.alice);
    expect(errorCodes(unknown.body)).toEqual(['NOT_FOUND']);
    const notHers = await graphql(instance.url, ALLOCATE, { siteId: site.siteId, purpose: 'TEST' }, TOKENS.bob);
    expect(errorCodes(notHers.body)).toEqual(['FORBIDDEN']);
    const hostName = await graphql(instance.url, ALLOCATE, { siteId: site.siteId, purpose: 'HOST' }, TOKENS.alice);
    expect(errorCodes(hostName.body)).toEqual(['FORBIDDEN']);
    const malformed = await graphql(instance.url, ALLOCATE, { siteId: 'nope', purpose: 'TEST' }, TOKENS.alice);
    expect(errorCodes(malformed.body)).toEqual(['BAD_USER_INPUT']);
    // Its admin may take a test name; asking again gives the same one.
    const first = (await query(instance.url, ALLOCATE, { siteId: site.siteId, purpose: 'TEST' }, TOKENS.alice)).allocateNetwork;
    const again = (await query(instance.url, ALLOCATE, { siteId: site.siteId, purpose: 'TEST' }, TOKENS.alice)).allocateNetwork;
    expect(again).toEqual(first);
    expect(first.addresses.map((address: any) => address.address)).toEqual([expect.stringMatching(/^203\.0\.113\./), expect.stringMatching(/^2001:db8:0:3::/)]);
    // Bob may not read the names of a site he cannot see.
    const peek = await graphql(instance.url, 'query ($fqdn: String!) { name(fqdn: $fqdn) { fqdn } }', { fqdn: first.fqdn }, TOKENS.bob);
    expect(errorCodes(peek.body)).toEqual(['FORBIDDEN']);
    expect((await query(instance.url, 'query ($fqdn: String!) { name(fqdn: $fqdn) { fqdn kind } }', { fqdn: first.fqdn }, TOKENS.alice)).name).toEqual({ fqdn: first.fqdn, kind: 'SERVICE' });
  });

  it('keeps the internal fields for Hostgraph itself', async () => {
    for (const text of ['query { siteRecords(siteId: "00000000-0000-4000-8000-000000000000") { name } }', 'mutation { releaseNetwork(siteId: "00000000-0000-4000-8000-000000000000") }']) {
      expect(errorCodes((await graphql(instance.url, text, {}, TOKENS.admin)).body)).toEqual(['FORBIDDEN']);
    }
  });
});

describe('a createSite that finds its pool full', () => {
  let instance: Instance;
  beforeAll(async () => {
    const zone = 'hosting.example.org';
    // Room for one site: a /30 has two usable addresses, one of them the gateway.
    const seedPools = [
      { name: 'tiny-service', prefix: '10.99.0.0/30', purpose: 'SERVICE', zone, gateway: '10.99.0.1' },
      { name: 'tiny-host', prefix: '10.99.1.0/30', purpose: 'HOST', zone, gateway: '10.99.1.1' },
    ];
    instance = await startInstance({ settings: { ipreg: { seedPools, preallocate: { count: 0 } } } });
  });
  afterAll(() => instance?.close());

  it('fails with POOL_EXHAUSTED and gives back its placement, leaving the first site its addresses', async () => {
    const first = await createSite(instance.url, 'first');
    expect((await first.finished()).state).toBe('SUCCEEDED');
    const second = await createSite(instance.url, 'second');
    const task = await second.finished();
    expect(task.state).toBe('FAILED');
    expect(task.error).toMatchObject({ code: 'POOL_EXHAUSTED', step: 'allocate-network', message: expect.stringMatching(/Every SERVICE IPv4 pool is full \(tiny-service\)/) });
    expect(task.steps.map((step) => `${step.name} ${step.state}`)).toEqual([
      'place COMPENSATED',
      'allocate-network COMPENSATED',
      'create-vm PENDING',
      'start-vm PENDING',
      'wait-for-ssh PENDING',
      'provision PENDING',
      'publish-dns PENDING',
    ]);
    const { pools } = await query(instance.url, '{ pools { name allocatedCount } }', {}, TOKENS.admin);
    expect(pools).toEqual([
      { name: 'tiny-host', allocatedCount: 1 },
      { name: 'tiny-service', allocatedCount: 1 },
    ]);
    const { site } = await query(instance.url, 'query ($id: ID!) { site(id: $id) { serviceAddresses } }', { id: first.siteId }, TOKENS.alice);
    expect(site.serviceAddresses).toEqual(['10.99.0.2']);
  });
});
