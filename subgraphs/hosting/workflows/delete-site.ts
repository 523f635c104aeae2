import { SiteEntity } from '../sites/site-entity.js';
import { loadSite, progressOf, vmNameOf, type SiteWorkflow } from './site-vm.js';

/** Destroys the site's VM (with its disks and snapshots), then forgets the site; its name is free again. */
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
      name: 'remove-site',
      async run(context) {
        await context.em.nativeDelete(SiteEntity, { id: context.subjectId });
      },
    },
  ],
};
