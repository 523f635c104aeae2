import type { HypervisorDriver, Vm } from '../../../drivers/driver.js';
import { NotFound } from '../../../drivers/driver.js';
import type { StepContext, Workflow } from '../../../core/tasks/workflow.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import { SiteEntity, type Site } from '../sites/site-entity.js';

/** What every site workflow needs from the worker. */
export interface SiteWorkflowDeps {
  driver: HypervisorDriver;
  flavors: Record<string, { vcpus: number; memoryMiB: number; diskGiB: number }>;
  /** How long a stop waits for the guest to shut down cleanly before powering it off. */
  shutdownTimeoutMs: number;
  /** Told when a site is gone, so its grants go too. */
  identity: Pick<IdentityClient, 'forgetSite'>;
}

export type SiteStepContext<Input = Record<string, unknown>> = StepContext<Input, SiteWorkflowDeps>;
export type SiteWorkflow<Input = Record<string, unknown>> = Workflow<Input, SiteWorkflowDeps>;

export const loadSite = (context: SiteStepContext<any>): Promise<Site> =>
  context.em.findOneOrFail(SiteEntity, { id: context.subjectId });

/** Readable for operators on the hypervisor, unique even when a site name is reused later. */
export const vmNameOf = (site: Pick<Site, 'id' | 'name'>) => `${site.name}-${site.id.slice(0, 8)}`;

/** The site's VM as the hypervisor has it now; a site whose VM vanished is an error, not a guess. */
export async function siteVm(context: SiteStepContext<any>): Promise<Vm> {
  const site = await loadSite(context);
  const vm = site.vmRef ? await context.deps.driver.get(site.vmRef) : null;
  if (!vm) throw new NotFound(`site ${site.name} has no VM on the hypervisor (ref ${site.vmRef ?? 'none'})`);
  return vm;
}

export const progressOf = (context: SiteStepContext<any>) => ({
  onProgress: (fraction: number) => void context.progress(fraction),
});

export async function setSiteState(context: SiteStepContext<any>, state: Site['state']) {
  const site = await loadSite(context);
  site.state = state;
  await context.em.flush();
}
