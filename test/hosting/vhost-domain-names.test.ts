import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSite } from '../inventory/inventory-fixture.js';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

const ADD = 'mutation ($siteId: ID!, $input: AddVhostInput!) { addVhost(siteId: $siteId, input: $input) { vhost { serverName aliases } } }';

/** A vhost answers only on names the IP registry has given its own site, or nobody. */
describe("vhost names against the IP registry's names (sim)", () => {
  let instance: Instance;
  let owner: string;
  let other: string;
  let ownerServiceName: string;
  let ownerHostName: string;

  beforeAll(async () => {
    instance = await startInstance({ settings: { ipreg: { preallocate: { count: 0 } } } });
    const [first, second] = [await createSite(instance.url, 'shopowner'), await createSite(instance.url, 'neighbour')];
    expect((await first.finished()).state).toBe('SUCCEEDED');
    expect((await second.finished()).state).toBe('SUCCEEDED');
    [owner, other] = [first.siteId, second.siteId];
    const { site } = await query(instance.url, 'query ($id: ID!) { site(id: $id) { serviceName vm { hostName } } }', { id: owner }, TOKENS.alice);
    [ownerServiceName, ownerHostName] = [site.serviceName, site.vm.hostName];
    await query(instance.url, 'mutation ($siteId: ID!, $name: String!) { requestDomainName(siteId: $siteId, name: $name) { state } }', { siteId: owner, name: 'shop.example.net' }, TOKENS.alice);
  });
  afterAll(() => instance?.close());

  const add = (siteId: string, input: { serverName: string; aliases?: string[] }) => graphql(instance.url, ADD, { siteId, input }, TOKENS.alice);

  it("refuses another site's domain names and host name, writing nothing, and takes the site's own and unclaimed ones", async () => {
    for (const input of [{ serverName: 'shop.example.net' }, { serverName: 'fresh.example.org', aliases: [ownerHostName] }]) {
      const { body } = await add(other, input);
      expect(errorCodes(body), JSON.stringify(input)).toEqual(['CONFLICT']);
      expect(body.errors![0]!.message).toContain('the IP registry gives another site');
    }
    // Nothing was kept of the refused vhosts: the unclaimed name is free for the neighbour.
    expect((await add(other, { serverName: 'fresh.example.org' })).body.errors).toBeUndefined();
    const { body } = await add(owner, { serverName: 'shop.example.net', aliases: [ownerHostName] });
    expect(body.errors).toBeUndefined();
    expect(body.data!.addVhost.vhost).toEqual({ serverName: 'shop.example.net', aliases: [ownerHostName] });
  });

  it("refuses the site's service name to every other vhost, its own site's too: the default vhost answers on it", async () => {
    for (const siteId of [other, owner]) {
      const { body } = await add(siteId, { serverName: `www.${ownerServiceName}`, aliases: [ownerServiceName] });
      expect(errorCodes(body), siteId).toEqual(['CONFLICT']);
    }
  });
});
