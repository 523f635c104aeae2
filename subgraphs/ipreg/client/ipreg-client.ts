import type { SubgraphClient } from '../../../core/graphql/subgraph-client.js';
import type { DnsRecord } from '../../../plugins/dns/dns-record.js';
import type { DomainNameState } from '../domain-names/domain-name-entity.js';
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

export interface VmNetworkView {
  /** Null until allocateNetwork gave the VM a HOST name. */
  hostName: string | null;
  hostAddresses: string[];
  /** The service name the VM serves, if any. */
  serviceName: string | null;
  /** What that name resolves to (IPv4 first): the addresses the VM must carry besides its own. */
  serviceAddresses: string[];
}

/** What ipreg gives a site that a vhost may answer on, or must leave to the default vhost. */
export interface SiteNamesView {
  /** Its service names (production and test copy): the default vhost's. */
  serviceNames: string[];
  /** Its VMs' own names. */
  hostNames: string[];
  /** The domain names asked for it, in every state. */
  domainNames: { fqdn: string; state: DomainNameState }[];
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

  /** The records of the VM's own names: what goes from DNS before its names are released. */
  async vmRecords(vmId: string): Promise<DnsRecord[]> {
    const data = await this.client.call<{ vmRecords: { name: string; type: string; ttl: number; data: string }[] }>(
      'query ($vmId: ID!) { vmRecords(vmId: $vmId) { name type ttl data } }',
      { vmId },
    );
    return data.vmRecords.map(recordFromView);
  }

  /** One VM's names go (a test copy's) and their addresses are quarantined; 0 when it held none. */
  async releaseVmNetwork(vmId: string): Promise<number> {
    const data = await this.client.call<{ releaseVmNetwork: number }>('mutation ($vmId: ID!) { releaseVmNetwork(vmId: $vmId) }', { vmId });
    return data.releaseVmNetwork;
  }

  /**
   * Where a VM is reached and what it serves: its host name and addresses (IPv4 first), and the
   * service name it answers on (the site's production name, or a test copy's TEST name).
   */
  async vmNetwork(siteId: string, vmId: string): Promise<VmNetworkView> {
    const data = await this.client.call<{
      _entities: ({ hostName?: string | null; addresses?: string[]; names?: { fqdn: string; kind: string; vm: { id: string } | null; addresses: { address: string }[] }[] } | null)[];
    }>(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Vm { hostName addresses }
          ... on Site { names { fqdn kind vm { id } addresses { address } } }
        }
      }`,
      { representations: [{ __typename: 'Vm', id: vmId }, { __typename: 'Site', id: siteId }] },
    );
    const [vm, site] = data._entities;
    const service = site?.names?.find((name) => name.kind === 'SERVICE' && name.vm?.id === vmId);
    const serviceAddresses = (service?.addresses ?? []).map((row) => row.address).sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')));
    return { hostName: vm?.hostName ?? null, hostAddresses: vm?.addresses ?? [], serviceName: service?.fqdn ?? null, serviceAddresses };
  }

  /** The site's SERVICE name to one VM and its TEST name to the other, swapping only when they are the other way round. */
  async assignServiceNames(request: { siteId: string; productionVmId: string; testVmId: string }): Promise<NetworkView[]> {
    const data = await this.client.call<{ assignServiceNames: NameAnswer[] }>(
      `mutation ($siteId: ID!, $productionVmId: ID!, $testVmId: ID!) { assignServiceNames(siteId: $siteId, productionVmId: $productionVmId, testVmId: $testVmId) { ${NAME} } }`,
      request,
    );
    return data.assignServiceNames.map(toView);
  }

  /**
   * The site the IP registry gives `fqdn` to, as one of its names (service, test or host) or as a
   * domain name it asked for, in any state; null when ipreg has not given it to any site.
   */
  async siteHoldingName(fqdn: string): Promise<string | null> {
    const data = await this.client.call<{ name: { site: { id: string } | null } | null; domainName: { site: { id: string } } | null }>(
      'query ($fqdn: String!) { name(fqdn: $fqdn) { site { id } } domainName(name: $fqdn) { site { id } } }',
      { fqdn },
    );
    return data.name?.site?.id ?? data.domainName?.site.id ?? null;
  }

  /** Each site's names and domain names, in one call for all of them. */
  async siteNames(siteIds: string[]): Promise<Map<string, SiteNamesView>> {
    if (siteIds.length === 0) return new Map();
    const data = await this.client.call<{ _entities: ({ names: { fqdn: string; kind: 'SERVICE' | 'HOST' }[]; domainNames: { fqdn: string; state: DomainNameState }[] } | null)[] }>(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Site { names { fqdn kind } domainNames { fqdn state } } }
      }`,
      { representations: siteIds.map((id) => ({ __typename: 'Site', id })) },
    );
    return new Map(
      siteIds.map((id, index) => {
        const site = data._entities[index];
        const names = site?.names ?? [];
        return [id, { serviceNames: names.filter((name) => name.kind === 'SERVICE').map((name) => name.fqdn), hostNames: names.filter((name) => name.kind === 'HOST').map((name) => name.fqdn), domainNames: site?.domainNames ?? [] }];
      }),
    );
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
