import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { badInput, conflict, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Principal } from '../../../core/principal.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import type { Config } from '../../../core/config.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import type { SiteOperations } from '../lifecycle/site-operations.js';
import { reserveUsage } from '../quota/site-usage.js';
import type { SiteService } from '../sites/site-service.js';
import { testCopyResources } from './test-copy-resources.js';
import type { Site } from '../sites/site-entity.js';
import { VmEntity } from '../vms/vm-entity.js';
import { SnapshotEntity } from '../snapshots/snapshot-entity.js';

const vmsOf = async (em: EntityManager, site: Site) => {
  const vms = await em.find(VmEntity, { siteId: site.id });
  return { production: vms.find((vm) => vm.role === 'PRODUCTION'), test: vms.find((vm) => vm.role === 'TEST') };
};

/** A site's test copy: cloned from production, promoted in its place, removed. */
export class TestCopyService {
  constructor(
    private readonly operations: SiteOperations,
    private readonly sites: SiteService,
    private readonly identity: Pick<IdentityClient, 'effectiveQuota'>,
    private readonly flavors: Config['flavors'],
  ) {}

  /**
   * One test copy per site. Its VM is recorded with the request, named after itself (the site's
   * names may have swapped), and its vCPUs and memory are reserved against the owner's quota
   * (QUOTA_EXCEEDED writes nothing) until it is removed.
   */
  async clone(principal: Principal, siteId: string, snapshotId?: string | null): Promise<TaskView> {
    if (snapshotId != null) validateId(snapshotId, 'snapshotId');
    const { owner } = await this.sites.get(principal, siteId, 'manage');
    const quota = await this.identity.effectiveQuota(owner);
    return this.operations.submit(principal, siteId, 'cloneToTest', { snapshotId: snapshotId ?? null }, async (em, site) => {
      const { production, test } = await vmsOf(em, site);
      if (test) throw conflict(`Site ${site.name} already has a test copy (${test.name}); remove it or switch to it first`);
      if (!production?.ref) throw conflict(`Site ${site.name} has no production VM on a hypervisor to copy`);
      if (snapshotId != null) {
        const snapshot = await em.findOne(SnapshotEntity, { id: snapshotId, siteId: site.id });
        if (!snapshot) throw notFound('Snapshot', snapshotId);
        if (snapshot.vmId !== production.id) throw badInput(`Snapshot ${snapshot.name} is of the test copy, not of production`, 'snapshotId');
        if (snapshot.state !== 'READY') throw conflict(`Snapshot ${snapshot.name} is ${snapshot.state === 'CREATING' ? 'still being taken' : 'being deleted'}`);
      }
      const reserved = testCopyResources(this.flavors, site.flavor);
      await reserveUsage(em, site.owner, reserved, quota);
      const id = randomUUID();
      em.create(VmEntity, { id, siteId: site.id, role: 'TEST', name: `${site.name}-test-${id.slice(0, 8)}`, ref: null });
      await em.flush();
      return { testVmId: id };
    });
  }

  switch(principal: Principal, siteId: string): Promise<TaskView> {
    return this.operations.submit(principal, siteId, 'switchServices', {}, async (em, site) => {
      const { production, test } = await vmsOf(em, site);
      if (!test?.ref || !production) throw conflict(`Site ${site.name} has no test copy to switch to; cloneToTest first`);
      return { productionVmId: production.id, testVmId: test.id };
    });
  }

  remove(principal: Principal, siteId: string): Promise<TaskView> {
    return this.operations.submit(principal, siteId, 'removeTest', {}, async (em, site) => {
      const { test } = await vmsOf(em, site);
      if (!test) throw conflict(`Site ${site.name} has no test copy to remove`);
      return { testVmId: test.id };
    });
  }
}
