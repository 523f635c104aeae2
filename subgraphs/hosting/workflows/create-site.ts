import { Conflict } from '../../../drivers/driver.js';
import { allocateNetworkStep } from './allocate-network.js';
import { placeVmStep } from './place-vm.js';
import { provisionStep } from './provision-site.js';
import { waitForSshStep } from './wait-for-ssh.js';
import { publishDnsStep } from './publish-dns.js';
import { loadSite, loadVm, progressOf, setSiteState, siteVm, vmDriver, type SiteWorkflow } from './site-vm.js';

/**
 * Places the site's VM, gives it names and addresses, creates and starts it, waits until it answers
 * SSH, provisions it and publishes its DNS records; a failure undoes all of it and leaves the site FAILED.
 */
export const createSiteWorkflow: SiteWorkflow = {
  kind: 'createSite',
  steps: [
    placeVmStep,
    allocateNetworkStep,
    {
      name: 'create-vm',
      async run(context) {
        const { flavors } = context.deps;
        const site = await loadSite(context);
        const row = await loadVm(context);
        const driver = await vmDriver(context, row);
        const flavor = flavors[site.flavor];
        if (!flavor) throw new Conflict(`flavor ${site.flavor} is no longer configured`);
        // A resumed task finds the VM its first attempt made. It boots with ipreg's host name and host keys.
        const vm =
          (await driver.findByName(row.name)) ??
          (await driver.create(
            { name: row.name, ...flavor, labels: { siteId: site.id, site: site.name, vmId: row.id }, seed: await context.deps.provisioning.guestSeeds.seedOf({ siteId: site.id, vmId: row.id, vmName: row.name }) },
            progressOf(context),
          ));
        if (vm.labels.siteId !== site.id) throw new Conflict(`a VM named ${row.name} exists that belongs to another site`);
        await context.record('vmRef', vm.ref);
        row.ref = vm.ref;
        await context.em.flush();
      },
      async undo(context) {
        const row = await loadVm(context);
        const driver = await vmDriver(context, row);
        const ref = (context.output.vmRef as string | undefined) ?? (await driver.findByName(row.name))?.ref;
        if (ref) await driver.destroy(ref, progressOf(context));
        row.ref = null;
        await context.em.flush();
      },
    },
    {
      name: 'start-vm',
      async run(context) {
        const vm = await siteVm(context);
        if (vm.powerState !== 'running') await (await vmDriver(context)).start(vm.ref, progressOf(context));
      },
    },
    waitForSshStep,
    provisionStep,
    publishDnsStep,
  ],
  async settle(context, outcome) {
    await setSiteState(context, outcome === 'SUCCEEDED' ? 'RUNNING' : 'FAILED');
  },
};
