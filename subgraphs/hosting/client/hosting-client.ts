import type { SubgraphClient } from '../../../core/graphql/subgraph-client.js';
import type { Principal } from '../../../core/principal.js';
import type { PowerState } from '../../../drivers/driver.js';
import type { PowerFollowOutcome, VmBelief } from '../vms/vm-power-follow.js';
import type { VmHostView } from '../vms/vm-hosts.js';

export interface SiteHistoryView {
  siteId: string;
  siteName: string;
  /** Epoch milliseconds. */
  at: number;
  state: string;
  flavor: string;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

/** What other Hostgraph processes (the inventory's reconciliation, metrics) ask the hosting subgraph. */
export class HostingClient {
  constructor(private readonly client: SubgraphClient) {}

  async vmBeliefs(vmIds: string[]): Promise<VmBelief[]> {
    if (vmIds.length === 0) return [];
    const data = await this.client.call<{ vmBeliefs: VmBelief[] }>(
      'query ($vmIds: [ID!]!) { vmBeliefs(vmIds: $vmIds) { vmId siteId name ref role siteState expectedPowerState busy } }',
      { vmIds },
    );
    return data.vmBeliefs;
  }

  async followVmPowerState(vmId: string, powerState: PowerState): Promise<PowerFollowOutcome> {
    const data = await this.client.call<{ followVmPowerState: PowerFollowOutcome }>(
      'mutation ($vmId: ID!, $powerState: String!) { followVmPowerState(vmId: $vmId, powerState: $powerState) { siteId changed state reason } }',
      { vmId, powerState },
    );
    return data.followVmPowerState;
  }

  async vmsByHostName(hostNames: string[]): Promise<VmHostView[]> {
    const data = await this.client.call<{ vmsByHostName: VmHostView[] }>(
      'query ($hostNames: [String!]!) { vmsByHostName(hostNames: $hostNames) { hostName vmId siteId } }',
      { hostNames },
    );
    return data.vmsByHostName;
  }

  /** Site state and flavor changes in [from, to) and where each site stood at `from`, oldest first. */
  async siteHistory(from: Date, to: Date): Promise<SiteHistoryView[]> {
    const data = await this.client.call<{ siteHistory: (Omit<SiteHistoryView, 'at'> & { at: string })[] }>(
      'query ($from: DateTimeISO!, $to: DateTimeISO!) { siteHistory(from: $from, to: $to) { siteId siteName at state flavor vcpus memoryMiB diskGiB } }',
      { from: from.toISOString(), to: to.toISOString() },
    );
    return data.siteHistory.map((entry) => ({ ...entry, at: Date.parse(entry.at) }));
  }

  /** Asked as the caller: hosting refuses (FORBIDDEN, NOT_FOUND) whoever may not see the site, in its own words. */
  async assertCanSeeSite(principal: Principal, siteId: string): Promise<void> {
    await this.client.call('query ($id: ID!) { site(id: $id) { id } }', { id: siteId }, { as: principal });
  }
}
