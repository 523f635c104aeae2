import { Conflict } from '../../../drivers/driver.js';
import { VmEntity } from '../vms/vm-entity.js';
import { loadSite, loadVm, type SiteStepContext } from './site-vm.js';

/**
 * The first step of createSite: the inventory picks a host with room for the flavor and holds it
 * (NO_CAPACITY fails the task, and nothing stays allocated); undoing it gives the room back.
 */
export const placeVmStep = {
  name: 'place',
  async run(context: SiteStepContext) {
    const site = await loadSite(context);
    const row = await loadVm(context);
    const flavor = context.deps.flavors[site.flavor];
    if (!flavor) throw new Conflict(`flavor ${site.flavor} is no longer configured`);
    const placement = await context.deps.inventory.placeVm({
      vmId: row.id,
      siteId: site.id,
      vmName: row.name,
      vcpus: flavor.vcpus,
      memoryMiB: flavor.memoryMiB,
      diskGiB: flavor.diskGiB,
      driver: flavor.driver ?? null,
    });
    await context.log(`placed ${row.name} on ${placement.host.name} (${placement.host.driver})`);
  },
  async undo(context: SiteStepContext) {
    await context.deps.inventory.releaseVm((await loadVm(context)).id);
  },
};

/** deleteSite, once the VMs are destroyed: their hosts get their room back. */
export const releasePlacementsStep = {
  name: 'release-placement',
  async run(context: SiteStepContext) {
    for (const row of await context.em.find(VmEntity, { siteId: context.subjectId })) await context.deps.inventory.releaseVm(row.id);
  },
};
