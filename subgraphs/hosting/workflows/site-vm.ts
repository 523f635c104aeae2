import type { HypervisorDriver, Vm } from '../../../drivers/driver.js';
import { NotFound } from '../../../drivers/driver.js';
import type { StepContext, Workflow } from '../../../core/tasks/workflow.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import { recordSiteHistory, type Clock } from '../history/site-history.js';
import { SiteEntity, type Site } from '../sites/site-entity.js';
import { VmEntity, type Vm as VmRow, type VmRole } from '../vms/vm-entity.js';

/** What every site workflow needs from the worker. */
export interface SiteWorkflowDeps {
  driver: HypervisorDriver;
  flavors: Record<string, { vcpus: number; memoryMiB: number; diskGiB: number }>;
  /** How long a stop waits for the guest to shut down cleanly before powering it off. */
  shutdownTimeoutMs: number;
  /** Told when a site is gone, so its grants go too. */
  identity: Pick<IdentityClient, 'forgetSite'>;
  /** Stamps the site's history. */
  clock: Clock;
}

export type SiteStepContext<Input = Record<string, unknown>> = StepContext<Input, SiteWorkflowDeps>;
export type SiteWorkflow<Input = Record<string, unknown>> = Workflow<Input, SiteWorkflowDeps>;

export const loadSite = (context: SiteStepContext<any>): Promise<Site> =>
  context.em.findOneOrFail(SiteEntity, { id: context.subjectId });

/** The site's record of its VM in `role`, which exists from the moment the site is asked for. */
export const loadVm = (context: SiteStepContext<any>, role: VmRole = 'PRODUCTION'): Promise<VmRow> =>
  context.em.findOneOrFail(VmEntity, { siteId: context.subjectId, role });

/** The site's production VM as the hypervisor has it now; a VM that vanished is an error, not a guess. */
export async function siteVm(context: SiteStepContext<any>): Promise<Vm> {
  const row = await loadVm(context);
  const vm = row.ref ? await context.deps.driver.get(row.ref) : null;
  if (!vm) throw new NotFound(`VM ${row.name} is not on the hypervisor (ref ${row.ref ?? 'none'})`);
  return vm;
}

export const progressOf = (context: SiteStepContext<any>) => ({
  onProgress: (fraction: number) => void context.progress(fraction),
});

export async function setSiteState(context: SiteStepContext<any>, state: Site['state']) {
  const site = await loadSite(context);
  if (site.state !== state) recordSiteHistory(context.em, { ...site, state }, context.deps.flavors, context.deps.clock);
  site.state = state;
  await context.em.flush();
}
