import type { IpregClient } from '../../ipreg/client/ipreg-client.js';
import { installableHostKeys } from '../../ipreg/client/installable-host-keys.js';
import type { GuestSeed } from '../../../drivers/driver.js';
import type { GuestSeeds } from './site-provisioning.js';

/**
 * What a new VM boots with: its host name from ipreg and the host keys generated for it, whose
 * SSHFP records are published before it exists, so the first connection finds the expected key.
 */
export class IpregGuestSeeds implements GuestSeeds {
  constructor(
    private readonly ipreg: Pick<IpregClient, 'vmNetwork' | 'vmHostKeys'>,
    /** `ipreg.hostKeyEncryptionKey`: the worker opens the sealed private halves only to hand them to the driver. */
    private readonly hostKeyEncryptionKey: string,
  ) {}

  async seedOf(vm: { siteId: string; vmId: string; vmName: string }): Promise<GuestSeed> {
    const [network, keys] = await Promise.all([this.ipreg.vmNetwork(vm.siteId, vm.vmId), this.ipreg.vmHostKeys(vm.vmId)]);
    const hostname = network.hostName ?? vm.vmName;
    return { hostname, users: [], hostKeys: network.hostName ? installableHostKeys(network.hostName, keys, this.hostKeyEncryptionKey) : [] };
  }
}
