import type { FilterQuery } from '@mikro-orm/core';
import { forbidden, unauthenticated } from '../../../core/errors.js';
import type { Principal } from '../../../core/principal.js';
import type { Site } from './site-entity.js';

/**
 * Who may do what with a site. For now: its creator and platform admins; the identity subgraph
 * adds admins, admin groups, SSH users and supporters.
 */
export function signedIn(principal: Principal | null): Principal {
  if (!principal) throw unauthenticated();
  return principal;
}

export const canManageSite = (principal: Principal, site: Site) => principal.admin || site.owner === principal.username;

export function assertCanManageSite(principal: Principal, site: Site): void {
  if (!canManageSite(principal, site)) throw forbidden(`You may not manage site ${site.name}; ask one of its admins`);
}

/** The sites a principal may see, as a query condition. */
export const visibleSites = (principal: Principal): FilterQuery<Site> =>
  principal.admin ? {} : { owner: principal.username };
