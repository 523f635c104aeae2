import { conflict, HostgraphError } from '../../../core/errors.js';
import type { Principal } from '../../../core/principal.js';
import type { Site } from '../sites/site-entity.js';
import type { SiteState } from '../sites/site-state.js';
import type { SiteOperationKind } from '../workflows/site-workflows.js';

/** States in which a site has a VM that operations can act on. */
export const WITH_VM: readonly SiteState[] = ['RUNNING', 'STOPPED', 'DISABLED', 'QUARANTINED'];

/**
 * Tasks that must not be queued behind one another: a state change (whose outcome the next
 * request's checks could not foresee), a test-copy change, and anything behind a cancel or delete.
 */
type ConflictGroup = 'state' | 'power' | 'test-copy' | 'snapshot';

interface OperationRule {
  /** The states the site must be in when the request is made. */
  states: readonly SiteState[];
  group: ConflictGroup;
  /** Platform admins may still do it on a suspended site; site admins never may. */
  whileSuspended?: boolean;
  /** A second one while one is queued or running is refused (a double click, or a switch that would undo itself). */
  once?: boolean;
}

/** The kinds whose requests are checked here; a kind without a rule is never held back by them. */
export type GuardedKind = 'startSite' | 'stopSite' | 'rebootSite' | 'resizeSite' | 'deleteSite' | SiteOperationKind;

const RULES: Record<GuardedKind, OperationRule> = {
  // Power changes of a site being created run after its createSite, as they always have.
  startSite: { states: ['PROVISIONING', 'RUNNING', 'STOPPED'], group: 'power' },
  stopSite: { states: ['PROVISIONING', 'RUNNING', 'STOPPED'], group: 'power' },
  rebootSite: { states: ['PROVISIONING', 'RUNNING', 'STOPPED'], group: 'power' },
  resizeSite: { states: ['RUNNING', 'STOPPED'], group: 'power' },
  resetSite: { states: ['RUNNING'], group: 'power', once: true },
  deleteSite: { states: ['PROVISIONING', 'FAILED', 'CANCELLED', ...WITH_VM], group: 'state', whileSuspended: true },
  disableSite: { states: ['RUNNING', 'STOPPED', 'QUARANTINED'], group: 'state', once: true },
  enableSite: { states: ['DISABLED'], group: 'state', once: true },
  quarantineSite: { states: ['RUNNING', 'STOPPED', 'DISABLED'], group: 'state', once: true },
  unquarantineSite: { states: ['QUARANTINED'], group: 'state', once: true },
  // Suspending again (a platform admin's new reason) stops the VM again.
  suspendSite: { states: WITH_VM, group: 'state', whileSuspended: true, once: true },
  unsuspendSite: { states: WITH_VM, group: 'state', whileSuspended: true, once: true },
  cancelSite: { states: WITH_VM, group: 'state', whileSuspended: true, once: true },
  createSnapshot: { states: WITH_VM, group: 'snapshot', whileSuspended: true },
  nightlySnapshot: { states: WITH_VM, group: 'snapshot', whileSuspended: true, once: true },
  deleteSnapshot: { states: WITH_VM, group: 'snapshot', whileSuspended: true },
  restoreSnapshot: { states: WITH_VM, group: 'power', once: true },
  cloneToTest: { states: ['RUNNING', 'STOPPED'], group: 'test-copy', once: true },
  switchServices: { states: ['RUNNING', 'STOPPED'], group: 'test-copy', once: true },
  removeTest: { states: WITH_VM, group: 'test-copy', once: true },
};

/** Which queued or running groups hold back a request of each group. */
const HELD_BACK_BY: Record<ConflictGroup, readonly ConflictGroup[]> = {
  state: ['state'],
  power: ['state'],
  'test-copy': ['state', 'test-copy'],
  snapshot: [],
};

const verb = (kind: string) => kind.replace(/Site$/, '').replace(/([A-Z])/g, ' $1').toLowerCase();

export const isSuspended = (site: Pick<Site, 'suspendedAt'>) => site.suspendedAt != null;

export const siteCancelled = (site: Site) =>
  new HostgraphError('SITE_CANCELLED', `Site ${site.name} is cancelled and will be destroyed; nothing but deleteSite runs on it now`);

export const siteSuspended = (site: Site) =>
  new HostgraphError('SITE_SUSPENDED', `Site ${site.name} is suspended by the platform admins (${site.suspendedReason}); ask them to lift it`, {
    reason: site.suspendedReason,
  });

/**
 * Whether anyone may ask for `kind` on the site: a cancelled site takes nothing but deleteSite
 * (SITE_CANCELLED), a suspended one nothing from its own admins (SITE_SUSPENDED).
 */
export function assertNotLocked(site: Site, kind: GuardedKind, principal: Principal): void {
  const rule = RULES[kind];
  if (site.state === 'CANCELLED' && kind !== 'deleteSite') throw siteCancelled(site);
  if (isSuspended(site) && !(rule.whileSuspended && principal.admin)) throw siteSuspended(site);
}

/** The site must be in a state the operation starts from (CONFLICT). */
export function assertStartingState(site: Site, kind: GuardedKind): void {
  const { states } = RULES[kind];
  if (!states.includes(site.state)) throw conflict(`Site ${site.name} is ${site.state}: ${verb(kind)} needs it ${states.join(' or ')}`);
}

export interface ActiveTask {
  id: string;
  kind: string;
}

/** Refuses a request that would wait behind a queued or running task it conflicts with; names that task. */
export function assertNoConflictingTask(site: Pick<Site, 'name'>, kind: GuardedKind, active: ActiveTask[]): void {
  const rule = RULES[kind];
  const blocker = active.find((task) => {
    if (task.kind === 'deleteSite') return true;
    if (task.kind === 'cancelSite') return kind !== 'deleteSite';
    if (rule.once && task.kind === kind) return true;
    const group = RULES[task.kind as GuardedKind]?.group;
    return group !== undefined && HELD_BACK_BY[rule.group].includes(group);
  });
  if (blocker) {
    throw new HostgraphError('CONFLICT', `Site ${site.name} has a ${blocker.kind} task queued or running (${blocker.id}); wait for it to finish`, { taskId: blocker.id });
  }
}
