import { conflict, HostgraphError } from '../../../core/errors.js';
import { isSuspended } from '../lifecycle/operation-rules.js';
import type { Site } from '../sites/site-entity.js';

/**
 * A site's configuration may change while it runs, and while it is being created (the change
 * then runs after createSite); a stopped, failed or switched-off site's VM cannot take it. A
 * cancelled or suspended site says so, with the codes the site operations use.
 */
export function assertConfigurable(site: Site): void {
  if (site.state === 'CANCELLED') {
    throw new HostgraphError('SITE_CANCELLED', `Site ${site.name} is cancelled and will be destroyed; its configuration cannot change`);
  }
  if (isSuspended(site)) {
    throw new HostgraphError('SITE_SUSPENDED', `Site ${site.name} is suspended by the platform admins (${site.suspendedReason}); ask them to lift it`, {
      reason: site.suspendedReason,
    });
  }
  if (site.state !== 'RUNNING' && site.state !== 'PROVISIONING') {
    throw conflict(`Site ${site.name} is ${site.state}: its configuration can change only while it is running`);
  }
}
