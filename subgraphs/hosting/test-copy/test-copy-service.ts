import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { conflict } from '../../../core/errors.js';
import type { Principal } from '../../../core/principal.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import type { SiteOperations } from '../lifecycle/site-operations.js';
import type { Site } from '../sites/site-entity.js';
import { VmEntity } from '../vms/vm-entity.js';

const vmsOf = async (em: EntityManager, site: Site) => {
  const vms = await em.find(VmEntity, { siteId: site.id });
  return { production: vms.find((vm) => vm.role === 'PRODUCTION'), test: vms.find((vm) => vm.role === 'TEST') };
};

/** A site's test copy: cloned from production, promoted in its place, removed. */
export class TestCopyService {
  constructor(private readonly operations: SiteOperations) {}

  /** One test copy per site. Its VM is recorded with the request, named after itself (the site's names may have swapped). */
  clone(principal: Principal, siteId: string): Promise<TaskView> {
    return this.operations.submit(principal, siteId, 'cloneToTest', {}, async (em, site) => {
      const { production, test } = await vmsOf(em, site);
      if (test) throw conflict(`Site ${site.name} already has a test copy (${test.name}); remove it or switch to it first`);
      if (!production?.ref) throw conflict(`Site ${site.name} has no production VM on a hypervisor to copy`);
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
