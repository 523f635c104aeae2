import type { ProvisionTarget } from './provisioner.js';

/** The VM a provisioning run is for, as hosting knows it. */
export interface EndpointQuery {
  vmId: string;
  vmName: string;
  siteId: string;
  siteName: string;
}

/** Where a VM answers SSH, which host keys it must present, and the service name (and addresses) it serves. */
export interface VmEndpoint extends ProvisionTarget {
  /** The VM's own host name: the one its service addresses are listed for (service-addresses role). */
  hostName: string;
  serviceName: string;
  /** What the service name resolves to: the VM carries them on its interface, next to its own. */
  serviceAddresses: string[];
}

/**
 * The port through which provisioning learns a VM's address and pre-generated host keys. ipreg
 * owns both (its allocations and host keys), and the service name: the worker asks it
 * (IpregVmEndpoints) for every provisioner, the sim too, which never connects. Tests give their sshd's.
 */
export interface VmEndpoints {
  endpointOf(vm: EndpointQuery): Promise<VmEndpoint>;
}
