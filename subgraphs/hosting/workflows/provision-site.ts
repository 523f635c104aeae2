import { randomUUID } from 'node:crypto';
import { Conflict } from '../../../drivers/driver.js';
import { ensureSiteConfiguration } from '../configuration/configuration-requests.js';
import { forgetSiteConfiguration } from '../configuration/forget-site-configuration.js';
import { applySiteConfiguration, siteEndpoint } from '../provisioning/apply-site-configuration.js';
import { VhostEntity, VhostNameEntity } from '../vhosts/vhost-entity.js';
import type { SiteStepContext } from './site-vm.js';

/** The vhost every site starts with, on its service name. */
export const DEFAULT_VHOST = 'default';

/**
 * createSite's configuration: the default vhost on the service name, then everything a site's VM
 * has (base role, the site's people with their directory uid and SSH keys, Apache, the vhost).
 * Undone with the VM: what hosting recorded of the site's configuration goes.
 */
export const provisionStep = {
  name: 'provision',
  async run(context: SiteStepContext) {
    const endpoint = await siteEndpoint(context);
    await ensureSiteConfiguration(context.em, context.subjectId);
    const exists = await context.em.count(VhostEntity, { siteId: context.subjectId, name: DEFAULT_VHOST });
    if (!exists) {
      const owner = await context.em.findOne(VhostNameEntity, { name: endpoint.serviceName });
      if (owner) throw new Conflict(`the service name ${endpoint.serviceName} is already a name of another vhost`);
      const id = randomUUID();
      await context.em.transactional(async (em) => {
        em.create(VhostEntity, { id, siteId: context.subjectId, name: DEFAULT_VHOST, serverName: endpoint.serviceName, aliases: [], state: 'ACTIVE', certificateSource: null, certificateChain: null, privateKeySealed: null, certificateNotAfter: null, certificateRenewAfter: null });
        em.create(VhostNameEntity, { name: endpoint.serviceName, vhostId: id });
      });
    }
    await applySiteConfiguration(context, endpoint);
  },
  async undo(context: SiteStepContext) {
    await context.em.fork().transactional((em) => forgetSiteConfiguration(em, context.subjectId));
  },
};
