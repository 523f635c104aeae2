import { progressOf, setSiteState, siteVm, vmDriver, type SiteWorkflow } from './site-vm.js';

/** Power changes are single steps; each leaves the site's state matching what its VM does. */

export const startSiteWorkflow: SiteWorkflow = {
  kind: 'startSite',
  steps: [
    {
      name: 'start-vm',
      async run(context) {
        const driver = await vmDriver(context);
        const vm = await siteVm(context);
        if (vm.powerState === 'suspended') await driver.resume(vm.ref, progressOf(context));
        else if (vm.powerState !== 'running') await driver.start(vm.ref, progressOf(context));
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
        const { shutdownTimeoutMs } = context.deps;
        const driver = await vmDriver(context);
        const vm = await siteVm(context);
        if (vm.powerState === 'stopped') return;
        if (context.input.force || vm.powerState === 'suspended') await driver.powerOff(vm.ref, progressOf(context));
        else await driver.shutdown(vm.ref, { ...progressOf(context), timeoutMs: shutdownTimeoutMs });
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
