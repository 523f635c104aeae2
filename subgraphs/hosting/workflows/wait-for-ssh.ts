import { siteEndpoint, provisionSite } from '../provisioning/apply-site-configuration.js';
import type { SiteStepContext } from './site-vm.js';

/**
 * createSite, once the VM runs: until it answers SSH with one of its expected host keys and lets
 * Hostgraph in. A refused connection is a VM still booting, tried again until the provisioner's
 * connect deadline (each wait is a line in the task's events); past it the step is Transient.
 */
export const waitForSshStep = {
  name: 'wait-for-ssh',
  async run(context: SiteStepContext) {
    const endpoint = await siteEndpoint(context);
    // No roles: the run connects, puts Hostgraph's tools in place, and disconnects.
    await provisionSite(context, endpoint, []);
    await context.log(`${endpoint.host}:${endpoint.port ?? 22} answers SSH`);
  },
};
