import { Fatal } from '../../../plugins/plugin-errors.js';
import type { EndpointQuery, VmEndpoint, VmEndpoints } from '../../../plugins/provisioner/vm-endpoints.js';
import type { IpregClient } from '../../ipreg/client/ipreg-client.js';

/**
 * A VM's endpoint as the IP registry has it: SSH on port 22 of its host address (IPv4 first), the
 * public halves of the host keys ipreg generated for it (never a key seen on first use), and the
 * service name it serves with that name's addresses. A VM ipreg has not named yet cannot be provisioned, and says why.
 */
export class IpregVmEndpoints implements VmEndpoints {
  constructor(private readonly ipreg: Pick<IpregClient, 'vmNetwork' | 'vmHostKeys'>) {}

  async endpointOf(vm: EndpointQuery): Promise<VmEndpoint> {
    const [network, keys] = await Promise.all([this.ipreg.vmNetwork(vm.siteId, vm.vmId), this.ipreg.vmHostKeys(vm.vmId)]);
    const [host] = network.hostAddresses;
    if (!network.hostName || !host) throw new Fatal(`VM ${vm.vmName} has no host name and address in the IP registry: allocate its network first`);
    if (keys.length === 0) throw new Fatal(`VM ${vm.vmName} has no pre-generated host keys in the IP registry, so it cannot be told from an impostor`);
    if (!network.serviceName) throw new Fatal(`VM ${vm.vmName} serves no service name in the IP registry`);
    return { host, port: 22, hostKeys: keys.map((key) => key.publicKey), hostName: network.hostName, serviceName: network.serviceName, serviceAddresses: network.serviceAddresses };
  }
}
