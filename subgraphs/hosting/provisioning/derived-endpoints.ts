import type { EndpointQuery, VmEndpoint, VmEndpoints } from '../../../plugins/provisioner/vm-endpoints.js';

/** `blog.<serviceDomain>`: the name the sim provisioner configures a site's default vhost on. */
export const serviceNameOf = (siteName: string, serviceDomain: string) => `${siteName}.${serviceDomain}`;

/**
 * Endpoints made up from names alone, for the sim provisioner only, which never connects: no
 * address or host key matters to it. Every provisioner that connects gets ipreg's endpoints
 * (ipreg-vm-endpoints.ts), whose host keys were generated before the VM existed.
 */
export function derivedEndpoints(serviceDomain: string): VmEndpoints {
  return {
    async endpointOf(vm: EndpointQuery): Promise<VmEndpoint> {
      const serviceName = serviceNameOf(vm.siteName, serviceDomain);
      return { host: serviceName, port: 22, hostKeys: [], serviceName };
    },
  };
}
