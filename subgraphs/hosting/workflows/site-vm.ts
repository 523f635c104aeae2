import type { Config } from '../../../core/config.js';
import type { HypervisorDriver, Vm } from '../../../drivers/driver.js';
import { NotFound } from '../../../drivers/driver.js';
import type { StepContext, Workflow } from '../../../core/tasks/workflow.js';
import type { DnsPublisher } from '../../../plugins/dns/dns-publisher.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import type { IpregClient } from '../../ipreg/client/ipreg-client.js';
import { recordSiteHistory, type Clock } from '../history/site-history.js';
import type { InventoryClient } from '../../inventory/client/inventory-client.js';
import type { VmDrivers } from '../../inventory/client/placed-vm-drivers.js';
import type { SiteProvisioning } from '../provisioning/site-provisioning.js';
import { SiteEntity, type Site } from '../sites/site-entity.js';
import { VmEntity, type Vm as VmRow, type VmRole } from '../vms/vm-entity.js';
import type { ServiceAddresses } from '../test-copy/service-addresses.js';

/** What every site workflow needs from the worker. */
export interface SiteWorkflowDeps {
  /** The driver of the host each VM is placed on. */
  drivers: VmDrivers;
  /** Where VMs go: placed before they are made, released once they are gone. */
  inventory: Pick<InventoryClient, 'placeVm' | 'releaseVm' | 'resizeVmPlacement'>;
  flavors: Config['flavors'];
  /** How long a stop waits for the guest to shut down cleanly before powering it off. */
  shutdownTimeoutMs: number;
  /** Told when a site is gone, so its grants go too. */
  identity: Pick<IdentityClient, 'forgetSite'>;
  /** Names and addresses of sites and VMs, and the records they should have. */
  ipreg: Pick<IpregClient, 'allocateNetwork' | 'releaseNetwork' | 'siteRecords'>;
  /** Where those records are published. */
  dns: Pick<DnsPublisher, 'kind' | 'apply'>;
  /** Stamps the site's history. */
  clock: Clock;
  /** Configures the VMs over SSH (or the sim), with what identity says of the site's people. */
  provisioning: SiteProvisioning;
  /** ipreg's side of the test copy: its names and addresses, and which VM answers on the production name. */
  serviceAddresses: ServiceAddresses;
}

export type SiteStepContext<Input = Record<string, unknown>> = StepContext<Input, SiteWorkflowDeps>;
export type SiteWorkflow<Input = Record<string, unknown>> = Workflow<Input, SiteWorkflowDeps>;

export const loadSite = (context: SiteStepContext<any>): Promise<Site> =>
  context.em.findOneOrFail(SiteEntity, { id: context.subjectId });

/** The site's record of its VM in `role`, which exists from the moment the site is asked for. */
export const loadVm = (context: SiteStepContext<any>, role: VmRole = 'PRODUCTION'): Promise<VmRow> =>
  context.em.findOneOrFail(VmEntity, { siteId: context.subjectId, role });

/** The driver of the host the site's VM (production unless `row` says otherwise) is placed on. */
export async function vmDriver(context: SiteStepContext<any>, row?: VmRow): Promise<HypervisorDriver> {
  const vm = row ?? (await loadVm(context));
  const driver = await context.deps.drivers.forVm(vm.id);
  if (!driver) throw new NotFound(`VM ${vm.name} is not placed on any hypervisor host`);
  return driver;
}

/** One of the site's VMs as its hypervisor has it now; a VM that vanished is an error, not a guess. */
export async function vmOf(context: SiteStepContext<any>, row: VmRow): Promise<Vm> {
  const vm = row.ref ? await (await vmDriver(context, row)).get(row.ref) : null;
  if (!vm) throw new NotFound(`VM ${row.name} is not on the hypervisor (ref ${row.ref ?? 'none'})`);
  return vm;
}

/** The site's production VM as the hypervisor has it now. */
export const siteVm = async (context: SiteStepContext<any>): Promise<Vm> => vmOf(context, await loadVm(context));

export const progressOf = (context: SiteStepContext<any>) => ({
  onProgress: (fraction: number) => void context.progress(fraction),
});

export async function setSiteState(context: SiteStepContext<any>, state: Site['state']) {
  const site = await loadSite(context);
  if (site.state !== state) recordSiteHistory(context.em, { ...site, state }, context.deps.flavors, context.deps.clock);
  site.state = state;
  await context.em.flush();
}
