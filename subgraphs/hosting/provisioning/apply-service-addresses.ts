import type { Vm as VmRow } from '../vms/vm-entity.js';
import { vmOf, type SiteStepContext } from '../workflows/site-vm.js';
import { provisionSite, vmEndpoint } from './apply-site-configuration.js';
import { serviceAddressesRole } from './site-configuration-roles.js';

/**
 * Puts on the VM's interface the service addresses ipreg gives it now, and takes off those it no
 * longer has (the service-addresses role). A VM that is not running cannot be reached: it is left
 * as it is, and says so in the task's events.
 */
export async function applyServiceAddresses(context: SiteStepContext<any>, row: VmRow): Promise<void> {
  const vm = await vmOf(context, row);
  if (vm.powerState !== 'running') {
    await context.log(`${row.name} is ${vm.powerState}: its service addresses were not changed`);
    return;
  }
  const endpoint = await vmEndpoint(context, row);
  await provisionSite(context, endpoint, [serviceAddressesRole(endpoint)]);
  await context.log(`${row.name} carries the addresses of ${endpoint.serviceName}: ${endpoint.serviceAddresses.join(', ') || 'none'}`);
}
