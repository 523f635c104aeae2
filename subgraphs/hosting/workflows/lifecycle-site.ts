import { recordSiteHistory } from '../history/site-history.js';
import { provisionSite, siteEndpoint } from '../provisioning/apply-site-configuration.js';
import { SiteEntity } from '../sites/site-entity.js';
import { VmEntity } from '../vms/vm-entity.js';
import { loadSite, loadVm, progressOf, setSiteState, vmDriver, vmOf, type SiteWorkflow } from './site-vm.js';
import { ensureRunning, ensureStopped, followProductionPower } from './vm-power.js';

/**
 * The site's states besides running and stopped. Each workflow changes its VM's power and, once
 * the hypervisor has done it, the site's state; a failed one leaves the state as it was.
 */

const startVm = { name: 'start-vm', run: (context: Parameters<typeof ensureRunning>[0]) => ensureRunning(context) };
const stopVm = { name: 'stop-vm', run: async (context: Parameters<typeof ensureStopped>[0]) => void (await ensureStopped(context)) };

/** Pulls the plug and powers the VM on again: for a guest that no longer answers a reboot. */
export const resetSiteWorkflow: SiteWorkflow = {
  kind: 'resetSite',
  steps: [
    {
      name: 'power-off',
      async run(context) {
        await ensureStopped(context, { force: true });
      },
    },
    { ...startVm, name: 'power-on' },
  ],
  async settle(context, outcome) {
    // A reset that could not power the VM on again leaves the site as its VM is.
    if (outcome === 'SUCCEEDED') await setSiteState(context, 'RUNNING');
    else await followProductionPower(context, await loadSite(context));
  },
};

export const disableSiteWorkflow: SiteWorkflow = {
  kind: 'disableSite',
  steps: [stopVm],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') await setSiteState(context, 'DISABLED');
  },
};

export const enableSiteWorkflow: SiteWorkflow = {
  kind: 'enableSite',
  steps: [startVm],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') await setSiteState(context, 'RUNNING');
  },
};

/**
 * Web and mail of a compromised site stop and stay off at boot, through the provisioner's
 * `quarantine` role; the VM keeps running with SSH, so its people and the operators can clean up.
 * A VM that is off already serves nothing: there is nothing to stop.
 */
export const quarantineSiteWorkflow: SiteWorkflow = {
  kind: 'quarantineSite',
  steps: [
    {
      name: 'stop-web-and-mail',
      async run(context) {
        if ((await vmOf(context, await loadVm(context))).powerState !== 'running') return;
        await provisionSite(context, await siteEndpoint(context), [{ role: 'quarantine' }]);
      },
    },
  ],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') await setSiteState(context, 'QUARANTINED');
  },
};

export const unquarantineSiteWorkflow: SiteWorkflow = {
  kind: 'unquarantineSite',
  steps: [
    startVm,
    {
      name: 'start-web-and-mail',
      async run(context) {
        await provisionSite(context, await siteEndpoint(context), [{ role: 'unquarantine' }]);
      },
    },
  ],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') await setSiteState(context, 'RUNNING');
  },
};

/**
 * The suspension itself (reason, who, when) was recorded with the request, so the site's admins
 * are locked out at once; this switches the site off like disableSite.
 */
export const suspendSiteWorkflow: SiteWorkflow<{ reason: string }> = {
  kind: 'suspendSite',
  steps: [stopVm],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') await setSiteState(context, 'DISABLED');
  },
};

/** The site runs again and its admins have it back; a VM that will not start keeps it suspended. */
export const unsuspendSiteWorkflow: SiteWorkflow = {
  kind: 'unsuspendSite',
  steps: [startVm],
  async settle(context, outcome) {
    if (outcome !== 'SUCCEEDED') return;
    const site = await loadSite(context);
    Object.assign(site, { suspendedReason: null, suspendedBy: null, suspendedAt: null });
    await setSiteState(context, 'RUNNING');
  },
};

/**
 * Every VM of the site is powered off at once; the site is CANCELLED from then on, and the
 * scheduler's sweep destroys it with deleteSite once the retention period is over.
 */
export const cancelSiteWorkflow: SiteWorkflow = {
  kind: 'cancelSite',
  steps: [
    {
      name: 'power-off-vms',
      async run(context) {
        for (const row of await context.em.find(VmEntity, { siteId: context.subjectId }, { orderBy: { role: 'asc' } })) {
          if (!row.ref) continue;
          const vm = await vmOf(context, row);
          if (vm.powerState !== 'stopped') await (await vmDriver(context, row)).powerOff(vm.ref, progressOf(context));
        }
      },
    },
  ],
  async settle(context, outcome) {
    if (outcome !== 'SUCCEEDED') return;
    const site = await context.em.findOneOrFail(SiteEntity, { id: context.subjectId });
    site.state = 'CANCELLED';
    site.cancelledAt = context.deps.clock();
    recordSiteHistory(context.em, site, context.deps.flavors, context.deps.clock);
    await context.em.flush();
  },
};
