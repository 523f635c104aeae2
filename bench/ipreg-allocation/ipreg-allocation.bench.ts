import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import type { Benchmark, Measurement } from '../benchmark.js';
import { migrate, type Dialect } from '../../core/database/open-database.js';
import { createDnsPublisher } from '../../plugins/dns/create-dns-publisher.js';
import { AddressEntity } from '../../subgraphs/ipreg/addresses/address-entity.js';
import { openIpregDatabase } from '../../subgraphs/ipreg/ipreg-database.js';
import { NetworkService } from '../../subgraphs/ipreg/network/network-service.js';
import { PoolService } from '../../subgraphs/ipreg/pools/pool-service.js';
import { SubgraphClient } from '../../core/graphql/subgraph-client.js';
import { IdentityClient } from '../../subgraphs/identity/client/identity-client.js';
import { IpregClient } from '../../subgraphs/ipreg/client/ipreg-client.js';
import { startBind } from '../../test/support/bind-server.js';
import { startInstance } from '../../test/support/hostgraph-instance.js';
import { createPostgresDatabase } from '../../test/support/postgres-database.js';
import { providePostgres } from '../../test/support/servers.js';

const ZONE = 'bench.test';
const SEQUENTIAL = 300;
const CONCURRENT = 1000;
const CLIENTS = 50;
const DNS_UPDATES = 300;
const DNS_CLIENTS = 8;

/** Runs `total` calls of `work` from `clients` loops at once; calls per second. */
async function throughput(total: number, clients: number, work: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) await work(i);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

/** Addresses held by more than one name: what the unique constraint and pool lock must keep at 0. */
async function duplicates(orm: MikroORM): Promise<number> {
  const rows = await orm.em.fork().find(AddressEntity, { state: 'ALLOCATED' }, { fields: ['address'] });
  return rows.length - new Set(rows.map((row) => row.address)).size;
}

async function allocations(label: string, dialect: Dialect, url: string, measurements: Measurement[], details: Record<string, unknown>) {
  const orm = await openIpregDatabase(url);
  try {
    await migrate(orm);
    const zones = [ZONE];
    await new PoolService(orm, zones, dialect).create({ name: 'bench-v4', prefix: '10.64.0.0/16', purpose: 'SERVICE', zone: ZONE });
    await new PoolService(orm, zones, dialect).create({ name: 'bench-v6', prefix: '2001:db8:64::/64', purpose: 'SERVICE', zone: ZONE });
    const network = new NetworkService(orm, { quarantineSeconds: 3600, recordTtl: 300, zones, hostKeyEncryptionKey: randomBytes(32) });
    const allocate = () => network.allocate({ siteId: randomUUID(), purpose: 'SERVICE' });
    const one = await throughput(SEQUENTIAL, 1, allocate);
    const many = await throughput(CONCURRENT, CLIENTS, allocate);
    const duplicated = await duplicates(orm);
    measurements.push({ label: `allocateNetwork (IPv4 + IPv6 + name) on ${label}, 1 client`, value: Math.round(one), unit: 'allocations/s' });
    measurements.push({ label: `allocateNetwork on ${label}, ${CLIENTS} concurrent clients`, value: Math.round(many), unit: 'allocations/s' });
    measurements.push({ label: `addresses held twice on ${label} after ${SEQUENTIAL + CONCURRENT} allocations`, value: duplicated, unit: 'addresses', target: { kind: 'below', bound: 1 } });
    details[label] = { sequential: SEQUENTIAL, concurrent: CONCURRENT, clients: CLIENTS, duplicates: duplicated };
  } finally {
    await orm.close();
  }
}

/** The same over HTTP, as hosting's worker asks: the ipreg subgraph, which checks each site with identity. */
async function allocationsOverHttp(url: string, measurements: Measurement[], details: Record<string, unknown>) {
  const instance = await startInstance({ database: url, roles: ['identity', 'ipreg'], settings: { ipreg: { seedPools: [
    { name: 'bench-v4', prefix: '10.64.0.0/16', purpose: 'SERVICE', zone: 'hosting.example.org' },
    { name: 'bench-v6', prefix: '2001:db8:64::/64', purpose: 'SERVICE', zone: 'hosting.example.org' },
  ] } } });
  try {
    const clientOf = (name: 'identity' | 'ipreg') => new SubgraphClient(name, instance.config.subgraphs[name].url, instance.config.principalSecret, 'bench', 60_000);
    const identity = new IdentityClient(clientOf('identity'));
    const ipreg = new IpregClient(clientOf('ipreg'));
    const sites = Array.from({ length: SEQUENTIAL + CONCURRENT }, () => randomUUID());
    await throughput(sites.length, 8, (i) => identity.recordSiteCreation({ siteId: sites[i]!, name: `b${i}`, creator: 'bench', creatorGroups: [] }));
    const addresses: string[] = [];
    const allocate = async (i: number) => addresses.push(...(await ipreg.allocateNetwork({ siteId: sites[i]!, purpose: 'SERVICE' })).addresses);
    const one = await throughput(SEQUENTIAL, 1, allocate);
    const many = await throughput(CONCURRENT, CLIENTS, (i) => allocate(SEQUENTIAL + i));
    measurements.push({ label: 'allocateNetwork over HTTP on PostgreSQL (identity check included), 1 client', value: Math.round(one), unit: 'allocations/s' });
    measurements.push({ label: `allocateNetwork over HTTP on PostgreSQL, ${CLIENTS} concurrent clients`, value: Math.round(many), unit: 'allocations/s' });
    const duplicated = addresses.length - new Set(addresses).size;
    measurements.push({ label: 'addresses handed out twice over HTTP', value: duplicated, unit: 'addresses', target: { kind: 'below', bound: 1 } });
    details.http = { sequential: SEQUENTIAL, concurrent: CONCURRENT, clients: CLIENTS, duplicates: duplicated };
  } finally {
    await instance.close();
  }
}

/**
 * The IP registry's allocation under contention (one pool per family, so every allocation takes
 * the same two pool locks) on PostgreSQL and SQLite, in process and over HTTP (PostgreSQL), with
 * the number of addresses held twice, which must be 0; and RFC 2136 updates per second to a local
 * inline-signing BIND.
 */
export const ipregAllocation: Benchmark = {
  name: 'ipreg-allocation',
  description: `allocateNetwork per second with 1 and ${CLIENTS} clients (PostgreSQL, SQLite), duplicates, and DNS updates per second to BIND`,
  async run() {
    const measurements: Measurement[] = [];
    const details: Record<string, unknown> = {};
    const postgres = await providePostgres();
    const database = await createPostgresDatabase(postgres.url);
    const dir = mkdtempSync(join(tmpdir(), 'hostgraph-bench-ipreg-'));
    try {
      await allocations('PostgreSQL', 'postgresql', database.url, measurements, details);
      const overHttp = await createPostgresDatabase(postgres.url);
      try {
        await allocationsOverHttp(overHttp.url, measurements, details);
      } finally {
        await overHttp.drop();
      }
      await allocations('SQLite', 'sqlite', `sqlite:${join(dir, 'ipreg.sqlite')}`, measurements, details);
    } finally {
      await database.drop();
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    }

    const bind = await startBind({ zones: [ZONE] });
    const dns = createDnsPublisher({ kind: 'rfc2136', server: bind.host, port: bind.port, keyName: bind.keys.sha256.name, keySecret: bind.keys.sha256.secret, zones: [ZONE] });
    try {
      const update = (i: number) =>
        dns.apply([{ action: 'replaceRRset', name: `h${i % 50}.${ZONE}`, type: 'A', records: [{ name: `h${i % 50}.${ZONE}`, type: 'A', ttl: 300, value: `10.64.${(i >> 8) & 255}.${i & 255}` }] }]);
      const one = await throughput(DNS_UPDATES, 1, update);
      const many = await throughput(DNS_UPDATES, DNS_CLIENTS, (i) => update(i + DNS_UPDATES));
      measurements.push({ label: 'RFC 2136 updates (TSIG, inline-signed zone) to local BIND, 1 at a time', value: Math.round(one), unit: 'updates/s' });
      measurements.push({ label: `RFC 2136 updates to local BIND, ${DNS_CLIENTS} at once`, value: Math.round(many), unit: 'updates/s' });
      details.dns = { updates: DNS_UPDATES, clients: DNS_CLIENTS };
    } finally {
      await dns.close();
      await bind.stop();
    }
    return { measurements, details };
  },
};
