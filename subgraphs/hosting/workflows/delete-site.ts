import { HostgraphError } from '../../../core/errors.js';
import { Transient } from '../../../drivers/driver.js';
import { releaseUsage, siteResources } from '../quota/site-usage.js';
import { SiteEntity } from '../sites/site-entity.js';
import { loadSite, progressOf, vmNameOf, type SiteWorkflow } from './site-vm.js';

/**
 * Destroys the site's VM (with its disks and snapshots), has identity drop its grants, then forgets
 * the site and gives its resources back to its owner's quota; its name is free again.
 */
export const deleteSiteWorkflow: SiteWorkflow = {
  kind: 'deleteSite',
  steps: [
    {
      name: 'destroy-vm',
      async run(context) {
        const { driver } = context.deps;
        const site = await loadSite(context);
        const ref = site.vmRef ?? (await driver.findByName(vmNameOf(site)))?.ref;
        if (ref) await driver.destroy(ref, progressOf(context));
        site.vmRef = null;
        await context.em.flush();
      },
    },
    {
      name: 'forget-access',
      async run(context) {
        try {
          await context.deps.identity.forgetSite(context.subjectId);
        } catch (error) {
          // Identity down is worth waiting for; anything else it says is final.
          if (error instanceof HostgraphError && error.extensions.code === 'SERVICE_UNAVAILABLE') throw new Transient(error.message);
          throw error;
        }
      },
    },
    {
      name: 'remove-site',
      async run(context) {
        const site = await context.em.findOne(SiteEntity, { id: context.subjectId });
        if (!site) return;
        const flavor = context.deps.flavors[site.flavor] ?? { vcpus: 0, memoryMiB: 0 };
        await context.em.transactional(async (em) => {
          await em.nativeDelete(SiteEntity, { id: site.id });
          await releaseUsage(em, site.owner, siteResources(flavor));
        });
      },
    },
  ],
};
