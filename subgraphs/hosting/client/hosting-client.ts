import type { SubgraphClient } from '../../../core/graphql/subgraph-client.js';
import type { PowerState } from '../../../drivers/driver.js';
import type { PowerFollowOutcome, VmBelief } from '../vms/vm-power-follow.js';

/** What other Hostgraph processes (the inventory's reconciliation) ask the hosting subgraph. */
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
}
