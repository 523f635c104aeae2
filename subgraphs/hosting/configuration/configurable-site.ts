import { conflict } from '../../../core/errors.js';
import { isSuspended, siteCancelled, siteSuspended } from '../lifecycle/operation-rules.js';
import type { Site } from '../sites/site-entity.js';

/**
 * A site's configuration may change while it runs, and while it is being created (the change
 * then runs after createSite); a stopped, failed or switched-off site's VM cannot take it. A
 * cancelled or suspended site says so, with the codes the site operations use.
 */
export function assertConfigurable(site: Site): void {
  if (site.state === 'CANCELLED') throw siteCancelled(site);
  if (isSuspended(site)) throw siteSuspended(site);
  if (site.state !== 'RUNNING' && site.state !== 'PROVISIONING') {
    throw conflict(`Site ${site.name} is ${site.state}: its configuration can change only while it is running`);
  }
}
