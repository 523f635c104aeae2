import { Fatal } from '../../../plugins/plugin-errors.js';
import type { EndpointQuery, VmEndpoint, VmEndpoints } from '../../../plugins/provisioner/vm-endpoints.js';

/** `blog.<serviceDomain>`: a site's service name until ipreg names it. */
export const serviceNameOf = (siteName: string, serviceDomain: string) => `${siteName}.${serviceDomain}`;

/**
 * Endpoints made up from names alone, for the sim provisioner, which never connects. For the ssh
 * provisioner it refuses: without the VM's pre-generated host keys (from ipreg) an SSH connection
 * could not tell the VM from an impostor, and Hostgraph never trusts a key on first use.
 */
export function derivedEndpoints(serviceDomain: string, provisionerKind: string): VmEndpoints {
  return {
    async endpointOf(vm: EndpointQuery): Promise<VmEndpoint> {
      if (provisionerKind !== 'sim') {
        throw new Fatal(`VM ${vm.vmName} has no known address and host keys: plug ipreg's endpoints into the worker before provisioning over ${provisionerKind}`);
      }
      const serviceName = serviceNameOf(vm.siteName, serviceDomain);
      return { host: serviceName, port: 22, hostKeys: [], serviceName };
    },
  };
}
