import { forbidden } from '../../../core/errors.js';
import { requireScope, signedIn, type Principal } from '../../../core/principal.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import type { SiteRole } from '../../identity/site-access/site-roles.js';

export type SiteNeed = 'see' | 'manage';

/**
 * Whoever identity says may see (any role) or manage (ADMIN) a site may read or change its names.
 * Identity is asked as the caller, once per site and request; an unknown site is its NOT_FOUND.
 * Hostgraph's own processes are trusted, but still only for sites that exist.
 */
export class SitePermission {
  private readonly roles = new Map<string, Promise<SiteRole[]>>();

  constructor(
    private readonly identity: Pick<IdentityClient, 'rolesOnSite'>,
    private readonly principal: Principal | null,
  ) {}

  async assert(siteId: string, need: SiteNeed, what = 'site'): Promise<Principal> {
    const principal = requireScope(signedIn(this.principal), need === 'manage' ? 'sites:write' : 'sites:read');
    let roles = this.roles.get(siteId);
    if (!roles) this.roles.set(siteId, (roles = this.identity.rolesOnSite(principal, siteId)));
    const granted = await roles;
    if (need === 'manage' && !granted.includes('ADMIN')) {
      throw forbidden(granted.length ? `You may look at the ${what} but not change it; ask one of the site's admins` : `You may not change the ${what}; ask one of the site's admins`);
    }
    if (granted.length === 0) throw forbidden(`You have no access to the ${what}; ask one of the site's admins`);
    return principal;
  }

  /** Whether the caller may see the site, without failing: for fields on lists. */
  async maySee(siteId: string): Promise<boolean> {
    return this.assert(siteId, 'see').then(
      () => true,
      () => false,
    );
  }
}
