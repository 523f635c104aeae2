import { Conflict } from '../../../drivers/driver.js';
import { recordSiteHistory } from '../history/site-history.js';
import { releaseUsage } from '../quota/site-usage.js';
import { SiteEntity } from '../sites/site-entity.js';
import { loadSite, loadVm, progressOf, siteVm, vmDriver, type SiteStepContext, type SiteWorkflow } from './site-vm.js';

export interface ResizeInput {
  flavor: string;
  /** What the request reserved against the owner's quota (the increases); given back if the resize fails. */
  reserved: { vcpus: number; memoryMiB: number };
}

/**
 * What the VM holds on its host at a flavor (the site's own when none is named); a disk only grows,
 * so it keeps the larger of the two.
 */
async function sizeAt(context: SiteStepContext<ResizeInput>, flavorName?: string) {
  const { flavors } = context.deps;
  const site = await loadSite(context);
  const flavor = flavors[flavorName ?? site.flavor];
  if (!flavor) throw new Conflict(`flavor ${flavorName ?? site.flavor} is no longer configured`);
  const current = flavors[site.flavor];
  return { vcpus: flavor.vcpus, memoryMiB: flavor.memoryMiB, diskGiB: Math.max(flavor.diskGiB, current?.diskGiB ?? 0) };
}

/**
 * Holds the new flavor's resources on the VM's host (NO_CAPACITY when it has no room), then gives
 * the VM that hardware; the site takes the flavor (and its history an entry) only once the
 * hypervisor has done it. Drivers without `resize` fail it with UNSUPPORTED, and the host's
 * allocation goes back to what it was.
 */
export const resizeSiteWorkflow: SiteWorkflow<ResizeInput> = {
  kind: 'resizeSite',
  steps: [
    {
      name: 'resize-placement',
      async run(context) {
        await context.deps.inventory.resizeVmPlacement((await loadVm(context)).id, await sizeAt(context, context.input.flavor));
      },
      async undo(context) {
        // The site still has its old flavor: the resize settles it only on success.
        await context.deps.inventory.resizeVmPlacement((await loadVm(context)).id, await sizeAt(context));
      },
    },
    {
      name: 'resize-vm',
      async run(context) {
        const flavor = context.deps.flavors[context.input.flavor];
        if (!flavor) throw new Conflict(`flavor ${context.input.flavor} is no longer configured`);
        const vm = await siteVm(context);
        await (await vmDriver(context)).resize(vm.ref, flavor, progressOf(context));
      },
    },
  ],
  async settle(context, outcome) {
    const { reserved } = context.input;
    await context.em.transactional(async (em) => {
      const site = await em.findOneOrFail(SiteEntity, { id: context.subjectId });
      if (outcome === 'SUCCEEDED') {
        const before = context.deps.flavors[site.flavor] ?? { vcpus: 0, memoryMiB: 0 };
        const after = context.deps.flavors[context.input.flavor]!;
        // The increases were reserved when the resize was asked for; the decreases are free now.
        const freed = { sites: 0, vcpus: Math.max(0, before.vcpus - after.vcpus), memoryMiB: Math.max(0, before.memoryMiB - after.memoryMiB) };
        if (freed.vcpus || freed.memoryMiB) await releaseUsage(em, site.owner, freed);
        site.flavor = context.input.flavor;
        recordSiteHistory(em, site, context.deps.flavors, context.deps.clock);
      } else if (reserved.vcpus || reserved.memoryMiB) {
        await releaseUsage(em, site.owner, reserved);
      }
    });
  },
};
