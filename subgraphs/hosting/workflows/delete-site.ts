import { forgetSiteConfiguration } from '../configuration/forget-site-configuration.js';
import { HostgraphError } from '../../../core/errors.js';
import { Transient } from '../../../drivers/driver.js';
import { recordSiteHistory } from '../history/site-history.js';
import { releaseUsage, siteResources } from '../quota/site-usage.js';
import { SiteEntity } from '../sites/site-entity.js';
import { SnapshotEntity } from '../snapshots/snapshot-entity.js';
import { testCopyResources } from '../test-copy/test-copy-resources.js';
import { VmEntity } from '../vms/vm-entity.js';
import { releaseNetworkStep } from './allocate-network.js';
import { releasePlacementsStep } from './place-vm.js';
import { unpublishDnsStep } from './publish-dns.js';
import { progressOf, type SiteWorkflow } from './site-vm.js';

/**
 * Withdraws the site's DNS records, destroys its VMs (with their disks and snapshots), quarantines
 * its addresses, has identity drop its grants, then forgets
 * the site and gives its resources back to its owner's quota; its name is free again.
 */
export const deleteSiteWorkflow: SiteWorkflow = {
  kind: 'deleteSite',
  steps: [
    unpublishDnsStep,
    {
      name: 'destroy-vm',
      async run(context) {
        for (const row of await context.em.find(VmEntity, { siteId: context.subjectId })) {
          const driver = await context.deps.drivers.forVm(row.id);
          // Never placed: nothing of it was made on a hypervisor.
          if (!driver) continue;
          const ref = row.ref ?? (await driver.findByName(row.name))?.ref;
          if (ref) await driver.destroy(ref, progressOf(context));
          row.ref = null;
          await context.em.flush();
        }
      },
    },
    releasePlacementsStep,
    releaseNetworkStep,
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
          // The snapshots went with the VMs; the manual ones give their quota back with the site's resources.
          const manualSnapshots = await em.count(SnapshotEntity, { siteId: site.id, kind: 'MANUAL' });
          const testCopies = await em.count(VmEntity, { siteId: site.id, role: 'TEST' });

          await em.nativeDelete(SnapshotEntity, { siteId: site.id });
          await em.nativeDelete(VmEntity, { siteId: site.id });
          await forgetSiteConfiguration(em, site.id);
          await em.nativeDelete(SiteEntity, { id: site.id });
          await releaseUsage(em, site.owner, { ...siteResources(flavor), snapshots: manualSnapshots });
          if (testCopies) await releaseUsage(em, site.owner, testCopyResources(context.deps.flavors, site.flavor));
          recordSiteHistory(em, site, context.deps.flavors, context.deps.clock, 'DELETED');
        });
      },
    },
  ],
};
