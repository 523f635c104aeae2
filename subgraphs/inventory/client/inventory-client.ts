import type { SubgraphClient } from '../../../core/graphql/subgraph-client.js';
import type { HostConnection } from '../../../drivers/registry/host-drivers.js';

export interface PlaceVmRequest {
  vmId: string;
  siteId: string;
  vmName: string;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  /** Only hosts with this driver; any when absent. */
  driver?: string | null;
  /** Only the host this VM is placed on (a clone lives where its source does). */
  nextToVmId?: string | null;
}

export interface PlacementView {
  vmId: string;
  host: HostConnection;
}

const PLACEMENT = 'vm { id } host { id name driver uri credentialRef }';

type PlacementAnswer = { vm: { id: string }; host: HostConnection | null };

const toView = (answer: PlacementAnswer | null): PlacementView | null =>
  answer?.host ? { vmId: answer.vm.id, host: answer.host } : null;

/** What the worker asks the inventory subgraph: where to put a VM, where one is, to let one go. */
export class InventoryClient {
  constructor(private readonly client: SubgraphClient) {}

  /** Refused with NO_CAPACITY when no host has room; asking again for a placed VM returns its placement. */
  async placeVm(request: PlaceVmRequest): Promise<PlacementView> {
    const data = await this.client.call<{ placeVm: PlacementAnswer }>(
      `mutation ($input: PlaceVmInput!) { placeVm(input: $input) { ${PLACEMENT} } }`,
      { input: { ...request, driver: request.driver ?? null, nextToVmId: request.nextToVmId ?? null } },
    );
    return toView(data.placeVm)!;
  }

  async placementOf(vmId: string): Promise<PlacementView | null> {
    const data = await this.client.call<{ vmPlacement: PlacementAnswer | null }>(`query ($vmId: ID!) { vmPlacement(vmId: $vmId) { ${PLACEMENT} } }`, { vmId });
    return toView(data.vmPlacement);
  }

  /** Holds the VM's new size on its host; NO_CAPACITY when it does not fit there. Asking again changes nothing. */
  async resizeVmPlacement(vmId: string, size: { vcpus: number; memoryMiB: number; diskGiB: number }): Promise<void> {
    await this.client.call('mutation ($vmId: ID!, $vcpus: Int!, $memoryMiB: Int!, $diskGiB: Int!) { resizeVmPlacement(vmId: $vmId, vcpus: $vcpus, memoryMiB: $memoryMiB, diskGiB: $diskGiB) { vm { id } } }', {
      vmId,
      ...size,
    });
  }

  /** False when the VM was not placed (a retried release). */
  async releaseVm(vmId: string): Promise<boolean> {
    const data = await this.client.call<{ releaseVm: boolean }>('mutation ($vmId: ID!) { releaseVm(vmId: $vmId) }', { vmId });
    return data.releaseVm;
  }
}
