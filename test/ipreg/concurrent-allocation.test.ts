import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubgraphClient } from '../../core/graphql/subgraph-client.js';
import { IdentityClient } from '../../subgraphs/identity/client/identity-client.js';
import { IpregClient } from '../../subgraphs/ipreg/client/ipreg-client.js';
import { DATABASES } from '../identity/identity-fixture.js';
import { startInstance, type Instance } from '../support/hostgraph-instance.js';

const SITES = 200;

/** The whole way in: 200 sites' allocations at once over HTTP, each checked with identity, each its own transaction. */
describe.each(DATABASES)('200 concurrent allocateNetwork calls on $name', ({ database }) => {
  let instance: Instance;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    instance = await startInstance({ database: db.url, roles: ['identity', 'ipreg'] });
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
  });

  it('gives each site its own addresses, without an error', async () => {
    const clientOf = (name: 'identity' | 'ipreg') => new SubgraphClient(name, instance.config.subgraphs[name].url, instance.config.principalSecret, 'test', 30_000);
    const identity = new IdentityClient(clientOf('identity'));
    const ipreg = new IpregClient(clientOf('ipreg'));
    // Sites identity knows, as hosting would have recorded them.
    const sites = Array.from({ length: SITES }, () => randomUUID());
    for (const siteId of sites) await identity.recordSiteCreation({ siteId, name: `s${siteId.slice(0, 8)}`, creator: 'alice', creatorGroups: [] });

    const results = await Promise.allSettled(sites.map((siteId) => ipreg.allocateNetwork({ siteId, purpose: 'SERVICE' })));
    expect(results.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
    const names = results.map((result) => (result as PromiseFulfilledResult<{ fqdn: string; addresses: string[] }>).value);
    const addresses = names.flatMap((name) => name.addresses);
    expect(new Set(names.map((name) => name.fqdn)).size).toBe(SITES);
    expect(addresses).toHaveLength(2 * SITES);
    expect(new Set(addresses).size).toBe(2 * SITES);
  });
});
