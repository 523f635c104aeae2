import { loadVm, type SiteStepContext } from './site-vm.js';

/**
 * After placement: the IP registry gives the site its service name and the VM its host name (with
 * host keys), each with an IPv4 and an IPv6 address; asking again returns the same ones, so a
 * resumed step is harmless. POOL_EXHAUSTED fails the task. Undoing it quarantines what was taken.
 */
export const allocateNetworkStep = {
  name: 'allocate-network',
  async run(context: SiteStepContext) {
    const vm = await loadVm(context);
    const service = await context.deps.ipreg.allocateNetwork({ siteId: context.subjectId, purpose: 'SERVICE', vmId: vm.id });
    const host = await context.deps.ipreg.allocateNetwork({ siteId: context.subjectId, purpose: 'HOST', vmId: vm.id });
    await context.log(`service name ${service.fqdn} (${service.addresses.join(', ')}); host name ${host.fqdn} (${host.addresses.join(', ')})`);
  },
  async undo(context: SiteStepContext) {
    await context.deps.ipreg.releaseNetwork(context.subjectId);
  },
};

/** deleteSite, once the VM is gone and its DNS records too: the addresses go into quarantine. */
export const releaseNetworkStep = {
  name: 'release-network',
  async run(context: SiteStepContext) {
    const released = await context.deps.ipreg.releaseNetwork(context.subjectId);
    if (released) await context.log(`released ${released} name${released === 1 ? '' : 's'}; their addresses are quarantined`);
  },
};
