import { Conflict } from '../../../drivers/driver.js';
import { recordSiteHistory } from '../history/site-history.js';
import { releaseUsage } from '../quota/site-usage.js';
import { SiteEntity } from '../sites/site-entity.js';
import { progressOf, siteVm, vmDriver, type SiteWorkflow } from './site-vm.js';

export interface ResizeInput {
  flavor: string;
  /** What the request reserved against the owner's quota (the increases); given back if the resize fails. */
  reserved: { vcpus: number; memoryMiB: number };
}

/**
 * Gives the site's VM the new flavor's hardware; the site takes the flavor (and its history an
 * entry) only once the hypervisor has done it. Drivers without `resize` fail it with UNSUPPORTED.
 */
export const resizeSiteWorkflow: SiteWorkflow<ResizeInput> = {
  kind: 'resizeSite',
  steps: [
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
