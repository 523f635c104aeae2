import { createDnsPublisher } from '../../plugins/dns/create-dns-publisher.js';
import type { BindServer } from './bind-server.js';
import { eventually } from './eventually.js';
import { query } from './graphql-client.js';
import { TOKENS } from './hostgraph-instance.js';

const REQUEST = 'mutation ($siteId: ID!, $name: String!) { requestDomainName(siteId: $siteId, name: $name) { fqdn state verificationName verificationToken } }';
const APPROVE = 'mutation ($name: String!) { approveDomainName(name: $name) { state } }';
const VERIFY = 'mutation ($name: String!) { verifyDomainName(name: $name) { state } }';

/**
 * Makes names ACTIVE domain names of a site, as its admin and a platform admin would: asked for by
 * `token`, then approved by a platform admin where they wait for one. Only names in a managed zone
 * (hosting.example.org by default) get there so; outside ones need `verifiedExternalName`.
 */
export async function activeDomainNames(url: string, siteId: string, names: readonly string[], token: string = TOKENS.alice): Promise<void> {
  for (const name of names) {
    const { requestDomainName: requested } = await query(url, REQUEST, { siteId, name }, token);
    const state = requested.state === 'AWAITING_APPROVAL' ? (await query(url, APPROVE, { name: requested.fqdn }, TOKENS.admin)).approveDomainName.state : requested.state;
    if (state !== 'ACTIVE') throw new Error(`${name} is ${state}: only names in a managed zone become ACTIVE without a TXT record`);
  }
}

/** A name outside the managed zones, in one of `bind`'s zones: asked for, its TXT token published there, verified (the instance's verificationResolvers must be `bind`). */
export async function verifiedExternalName(url: string, siteId: string, name: string, bind: BindServer, token: string = TOKENS.alice): Promise<void> {
  const { requestDomainName: requested } = await query(url, REQUEST, { siteId, name }, token);
  const owner = createDnsPublisher({ kind: 'rfc2136', server: bind.host, port: bind.port, keyName: bind.keys.sha256.name, keySecret: bind.keys.sha256.secret, zones: bind.zones });
  await owner.apply([{ action: 'add', record: { name: requested.verificationName, type: 'TXT', ttl: 60, value: [requested.verificationToken] } }]).finally(() => owner.close());
  await eventually(async () => (await query(url, VERIFY, { name }, token)).verifyDomainName, { timeoutMs: 30_000, intervalMs: 200 });
}
