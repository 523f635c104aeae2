import type { SubgraphClient } from '../../../core/graphql/subgraph-client.js';
import type { DnsRecord } from '../../../plugins/dns/dns-record.js';
import type { PoolPurpose } from '../pools/pool-entity.js';
import { recordFromView } from './record-from-view.js';

export interface NetworkView {
  fqdn: string;
  kind: 'SERVICE' | 'HOST';
  addresses: string[];
}

export interface SealedHostKeyView {
  algorithm: string;
  /** One line, as in ssh_host_*_key.pub: what host key checking expects. */
  publicKey: string;
  /** `hk1:…`, opened with the configured host key encryption key (host-key-sealing.ts) by the provisioner. */
  sealedPrivateKey: string;
}

const NAME = 'fqdn kind addresses { address }';
type NameAnswer = { fqdn: string; kind: 'SERVICE' | 'HOST'; addresses: { address: string }[] };
const toView = (answer: NameAnswer): NetworkView => ({ fqdn: answer.fqdn, kind: answer.kind, addresses: answer.addresses.map((row) => row.address) });

/** What the worker asks the IP registry: names and addresses for sites and VMs, their records, their host keys. */
export class IpregClient {
  constructor(private readonly client: SubgraphClient) {}

  /** Idempotent: asking again for the same site, purpose (and VM, for HOST) returns the same name. POOL_EXHAUSTED when full. */
  async allocateNetwork(request: { siteId: string; purpose: PoolPurpose; vmId?: string | null }): Promise<NetworkView> {
    const data = await this.client.call<{ allocateNetwork: NameAnswer }>(
      `mutation ($siteId: ID!, $purpose: PoolPurpose!, $vmId: ID) { allocateNetwork(siteId: $siteId, purpose: $purpose, vmId: $vmId) { ${NAME} } }`,
      { siteId: request.siteId, purpose: request.purpose, vmId: request.vmId ?? null },
    );
    return toView(data.allocateNetwork);
  }

  /** The site's names go and their addresses are quarantined; 0 when it held none (a retried release). */
  async releaseNetwork(siteId: string): Promise<number> {
    const data = await this.client.call<{ releaseNetwork: number }>('mutation ($siteId: ID!) { releaseNetwork(siteId: $siteId) }', { siteId });
    return data.releaseNetwork;
  }

  /** Every record the site's names and domain names should have. */
  async siteRecords(siteId: string): Promise<DnsRecord[]> {
    const data = await this.client.call<{ siteRecords: { name: string; type: string; ttl: number; data: string }[] }>(
      'query ($siteId: ID!) { siteRecords(siteId: $siteId) { name type ttl data } }',
      { siteId },
    );
    return data.siteRecords.map(recordFromView);
  }

  /** The VM's host keys: public halves for host key checking, sealed private halves for the provisioner to install. */
  async vmHostKeys(vmId: string): Promise<SealedHostKeyView[]> {
    const data = await this.client.call<{ vmHostKeys: SealedHostKeyView[] }>('query ($vmId: ID!) { vmHostKeys(vmId: $vmId) { algorithm publicKey sealedPrivateKey } }', { vmId });
    return data.vmHostKeys;
  }

  /** Swaps the service names and addresses of a site's two VMs (production and its test copy); host names stay. */
  async switchServices(firstVmId: string, secondVmId: string): Promise<NetworkView[]> {
    const data = await this.client.call<{ swapServiceNames: NameAnswer[] }>(
      `mutation ($firstVmId: ID!, $secondVmId: ID!) { swapServiceNames(firstVmId: $firstVmId, secondVmId: $secondVmId) { ${NAME} } }`,
      { firstVmId, secondVmId },
    );
    return data.swapServiceNames.map(toView);
  }
}
