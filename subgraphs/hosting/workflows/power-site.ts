import { progressOf, setSiteState, siteVm, vmDriver, type SiteWorkflow } from './site-vm.js';
import { ensureRunning, ensureStopped } from './vm-power.js';

/** Power changes are single steps; each leaves the site's state matching what its VM does. */

export const startSiteWorkflow: SiteWorkflow = {
  kind: 'startSite',
  steps: [
    {
      name: 'start-vm',
      async run(context) {
        await ensureRunning(context);
      },
    },
  ],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') await setSiteState(context, 'RUNNING');
  },
};

export const stopSiteWorkflow: SiteWorkflow<{ force?: boolean }> = {
  kind: 'stopSite',
  steps: [
    {
      name: 'stop-vm',
      async run(context) {
        await ensureStopped(context, { force: context.input.force });
      },
    },
  ],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') await setSiteState(context, 'STOPPED');
  },
};

export const rebootSiteWorkflow: SiteWorkflow = {
  kind: 'rebootSite',
  steps: [
    {
      name: 'reboot-vm',
      async run(context) {
        const vm = await siteVm(context);
        await (await vmDriver(context)).reboot(vm.ref, progressOf(context));
      },
    },
  ],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') await setSiteState(context, 'RUNNING');
  },
};
