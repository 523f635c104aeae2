import { createHash } from 'node:crypto';
import type { RoleApplication } from '../../../plugins/provisioner/provisioner.js';
import type { VmEndpoint } from '../../../plugins/provisioner/vm-endpoints.js';
import type { SiteAccountView } from '../../identity/client/identity-client.js';
import { SiteConfigurationEntity, SitePackageEntity } from '../configuration/site-configuration-entity.js';
import { VhostEntity, VhostNameEntity, type Vhost } from '../vhosts/vhost-entity.js';
import type { Vm as VmRow } from '../vms/vm-entity.js';
import { loadSite, loadVm, type SiteStepContext } from '../workflows/site-vm.js';
import { taskEventsOf } from './provision-events.js';
import { siteConfigurationRoles, type VhostConfiguration } from './site-configuration-roles.js';

/** Where one of the site's VMs (production unless `row` says otherwise) answers SSH, and what it must present; asked of the endpoints port. */
export async function vmEndpoint(context: SiteStepContext<any>, row?: VmRow): Promise<VmEndpoint> {
  const site = await loadSite(context);
  const vm = row ?? (await loadVm(context));
  return context.deps.provisioning.endpoints.endpointOf({ vmId: vm.id, vmName: vm.name, siteId: site.id, siteName: site.name });
}

/** Where the site's production VM answers SSH, and what it must present. */
export const siteEndpoint = (context: SiteStepContext<any>): Promise<VmEndpoint> => vmEndpoint(context);

/** What the last run installed, to compare with identity's accounts now. */
export const accountsDigest = (accounts: SiteAccountView[]) => createHash('sha256').update(JSON.stringify(accounts)).digest('hex');

export const privateKeyPurpose = (vhostId: string) => `vhost ${vhostId} private key`;

/** Runs `roles` on the site's VM, every line of output into the task's events. */
export async function provisionSite(context: SiteStepContext<any>, endpoint: VmEndpoint, roles: RoleApplication[]) {
  const events = taskEventsOf(context.log);
  try {
    return await context.deps.provisioning.provisioner.run(endpoint, roles, { onEvent: events.onEvent });
  } finally {
    await events.flush();
  }
}

/**
 * Makes the VM what the site says: its accounts from identity, Apache, its packages and vhosts.
 * Vhosts and packages that were being removed are forgotten once the VM is rid of them; changes
 * that arrive during the run stay for the next one.
 */
export async function applySiteConfiguration(context: SiteStepContext<any>, endpoint?: VmEndpoint) {
  const { provisioning } = context.deps;
  const target = endpoint ?? (await siteEndpoint(context));
  const accounts = (await provisioning.identity.siteAccounts([context.subjectId])).get(context.subjectId) ?? [];
  const em = context.em.fork();
  const vhosts = await em.find(VhostEntity, { siteId: context.subjectId });
  const packages = await em.find(SitePackageEntity, { siteId: context.subjectId });
  const report = await provisionSite(
    context,
    target,
    siteConfigurationRoles({ hostName: target.hostName, serviceName: target.serviceName, serviceAddresses: target.serviceAddresses, accounts, vhosts: vhosts.map((vhost) => vhostConfiguration(context, vhost)), packages }),
  );
  const removed = vhosts.filter((vhost) => vhost.state === 'REMOVING').map((vhost) => vhost.id);
  await em.transactional(async (tx) => {
    if (removed.length > 0) {
      await tx.nativeDelete(VhostNameEntity, { vhostId: { $in: removed } });
      await tx.nativeDelete(VhostEntity, { id: { $in: removed }, state: 'REMOVING' });
    }
    for (const unwanted of packages.filter((row) => !row.wanted)) await tx.nativeDelete(SitePackageEntity, { siteId: context.subjectId, name: unwanted.name, wanted: false });
    await tx.nativeUpdate(SiteConfigurationEntity, { siteId: context.subjectId }, { accountsDigest: accountsDigest(accounts) });
  });
  await context.log(`configuration applied: ${report.changed} of ${report.steps.length} steps changed something; ${accounts.length} accounts`);
  return report;
}

function vhostConfiguration(context: SiteStepContext<any>, vhost: Vhost): VhostConfiguration {
  const tls =
    vhost.certificateChain && vhost.privateKeySealed
      ? { certificateChain: vhost.certificateChain, privateKey: context.deps.provisioning.sealer.open(vhost.privateKeySealed, privateKeyPurpose(vhost.id)) }
      : null;
  return { name: vhost.name, serverName: vhost.serverName, aliases: vhost.aliases, state: vhost.state, tls };
}
