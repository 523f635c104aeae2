import type { MikroORM } from '@mikro-orm/core';
import { TaskEntity } from '../../../core/tasks/task-entities.js';
import type { PowerState } from '../../../drivers/driver.js';
import { SiteEntity } from '../sites/site-entity.js';
import type { SiteState } from '../sites/site-state.js';
import { VmEntity, type VmRole } from './vm-entity.js';

/** What hosting believes about a VM, for reconciliation to compare with its hypervisor. */
export interface VmBelief {
  vmId: string;
  siteId: string;
  name: string;
  ref: string | null;
  role: VmRole;
  siteState: SiteState;
  /** The power state the site's state implies for its production VM; null while that says nothing (PROVISIONING, FAILED…). */
  expectedPowerState: PowerState | null;
  /** A task of the site is queued or running: it is changing the VM, and its own outcome sets the site's state. */
  busy: boolean;
}

export interface PowerFollowOutcome {
  siteId: string;
  changed: boolean;
  state: SiteState;
  reason: string | null;
}

const ACTIVE_TASK_STATES = ['QUEUED', 'RUNNING'] as const;

const expectedOf = (role: VmRole, state: SiteState): PowerState | null =>
  role !== 'PRODUCTION' ? null : state === 'RUNNING' ? 'running' : state === 'STOPPED' ? 'stopped' : null;

/**
 * Hosting owns site states. Reconciliation (in the inventory's worker) reads what hosting believes
 * and, when a hypervisor says a production VM's power differs, asks hosting to let the site follow.
 * A site with a task in progress is left to that task.
 */
export class VmPowerFollow {
  constructor(private readonly orm: MikroORM) {}

  async beliefs(vmIds: string[]): Promise<VmBelief[]> {
    if (vmIds.length === 0) return [];
    const em = this.orm.em.fork();
    const vms = await em.find(VmEntity, { id: { $in: vmIds } });
    const siteIds = [...new Set(vms.map((vm) => vm.siteId))];
    const sites = new Map((await em.find(SiteEntity, { id: { $in: siteIds } })).map((site) => [site.id, site]));
    const busy = new Set(
      (await em.find(TaskEntity, { subjectId: { $in: siteIds }, state: { $in: [...ACTIVE_TASK_STATES] } }, { fields: ['subjectId'] })).map((task) => task.subjectId),
    );
    return vms.flatMap((vm) => {
      const site = sites.get(vm.siteId);
      if (!site) return [];
      return [{ vmId: vm.id, siteId: site.id, name: vm.name, ref: vm.ref ?? null, role: vm.role, siteState: site.state, expectedPowerState: expectedOf(vm.role, site.state), busy: busy.has(site.id) }];
    });
  }

  async follow(vmId: string, powerState: PowerState): Promise<PowerFollowOutcome | null> {
    const em = this.orm.em.fork();
    const vm = await em.findOne(VmEntity, { id: vmId });
    const site = vm ? await em.findOne(SiteEntity, { id: vm.siteId }) : null;
    if (!vm || !site) return null;
    const unchanged = (reason: string | null): PowerFollowOutcome => ({ siteId: site.id, changed: false, state: site.state, reason });
    const expected = expectedOf(vm.role, site.state);
    if (expected === null) return unchanged(`a ${vm.role.toLowerCase()} VM of a ${site.state} site sets no site state`);
    if ((expected === 'running') === (powerState === 'running')) return unchanged(null);
    if (await em.count(TaskEntity, { subjectId: site.id, state: { $in: [...ACTIVE_TASK_STATES] } })) {
      return unchanged('a task of the site is in progress; its outcome sets the state');
    }
    const target: SiteState = powerState === 'running' ? 'RUNNING' : 'STOPPED';
    // Conditional, so a state set meanwhile by a task that just finished is not overwritten.
    const moved = await em.nativeUpdate(SiteEntity, { id: site.id, state: site.state }, { state: target, updatedAt: new Date() });
    return moved === 1 ? { siteId: site.id, changed: true, state: target, reason: null } : unchanged('the site changed meanwhile');
  }
}
