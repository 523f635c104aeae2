import { raw, type MikroORM, type RawQueryFragment } from '@mikro-orm/core';
import { forbidden } from '../../../core/errors.js';
import { requireScope, type Principal } from '../../../core/principal.js';
import { SITE_ROLES, type SiteRole } from '../../identity/site-access/site-roles.js';
import { SiteAccessEntity } from '../access/site-access-entities.js';
import type { Site } from './site-entity.js';

/**
 * Who may do what with a site, from the grants identity owns (hosting reads its own copy): admins
 * and admin groups manage it; SSH users and supporters, directly or through a group, may look;
 * platform admins may do everything. A principal's groups already include nested ones.
 */
export type SiteAccessNeed = 'see' | 'manage';

const grantsOf = (principal: Principal) => ({
  granted: true,
  $or: [{ granteeKind: 'USER', grantee: principal.username }, ...(principal.groups.length ? [{ granteeKind: 'GROUP', grantee: { $in: principal.groups } }] : [])],
});

export class SiteAccess {
  constructor(private readonly orm: MikroORM) {}

  async rolesOn(principal: Principal, siteId: string): Promise<SiteRole[]> {
    if (principal.admin) return [...SITE_ROLES];
    const rows = await this.orm.em.fork().find(SiteAccessEntity, { siteId, ...grantsOf(principal) } as object, { fields: ['role'] });
    return SITE_ROLES.filter((role) => rows.some((row) => row.role === role));
  }

  /** Throws FORBIDDEN unless the principal may see (any role) or manage (ADMIN) the site. */
  async assert(principal: Principal, site: Pick<Site, 'id' | 'name'>, need: SiteAccessNeed): Promise<void> {
    requireScope(principal, need === 'manage' ? 'sites:write' : 'sites:read');
    const roles = await this.rolesOn(principal, site.id);
    if (need === 'manage' && !roles.includes('ADMIN')) {
      throw forbidden(roles.length ? `You may look at site ${site.name} but not change it; ask one of its admins` : `You may not manage site ${site.name}; ask one of its admins`);
    }
    if (roles.length === 0) throw forbidden(`You have no access to site ${site.name}; ask one of its admins`);
  }

  /**
   * The ids of the sites a principal may see, as a subquery for `{ id: { $in: … } }`: the database
   * filters and pages in one statement, however many groups and sites there are. Null: all sites.
   */
  visibleSiteIds(principal: Principal): RawQueryFragment | null {
    if (principal.admin) return null;
    const groups = principal.groups;
    const byGroup = groups.length ? ` or (grantee_kind = 'GROUP' and grantee in (${groups.map(() => '?').join(', ')}))` : '';
    return raw<RawQueryFragment>(`select site_id from site_access where granted = ? and ((grantee_kind = 'USER' and grantee = ?)${byGroup})`, [true, principal.username, ...groups]);
  }
}
