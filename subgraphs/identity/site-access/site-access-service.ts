import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Bus } from '../../../core/bus/bus.js';
import { badInput, conflict, forbidden, HostgraphError, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Logger } from '../../../core/logger.js';
import type { Principal } from '../../../core/principal.js';
import type { AuditLog } from '../audit/audit-log.js';
import { SITE_ADMIN_LOST_CHANNEL, type SiteAdminLost } from '../identity-channels.js';
import { GroupEntity, MembershipEntity, UserEntity } from '../people/people-entities.js';
import type { AccessChangeLog } from './access-change-log.js';
import { KnownSiteEntity, SiteGrantEntity, type KnownSite, type SiteGrant } from './site-access-entities.js';
import { SITE_ROLES, type GranteeKind, type SiteAccessChange, type SiteRole } from './site-roles.js';

export interface Grantee {
  kind: GranteeKind;
  name: string;
}

/** A site nobody active can manage any more, and the admin grants that no longer reach anyone. */
export interface SiteWithoutAdminView {
  site: KnownSite;
  formerAdmins: string[];
}

const ROLE_WORDS: Record<SiteRole, string> = { ADMIN: 'an admin', SSH: 'an SSH user', SUPPORTER: 'a supporter' };
const describe = (grantee: Grantee) => (grantee.kind === 'USER' ? grantee.name : `group ${grantee.name}`);

/** Exactly one of `user` and `group`, as the grant mutations take them. */
export function granteeOf(user: string | null | undefined, group: string | null | undefined): Grantee {
  if (user && group) throw badInput('Name either a user or a group, not both', 'user');
  if (user) return { kind: 'USER', name: user };
  if (group) return { kind: 'GROUP', name: group };
  throw badInput('Name the user or the group to grant to', 'user');
}

/** Who may do what on which site: grants, their change log, and the checks built on them. */
export class SiteAccessService {
  constructor(
    private readonly orm: MikroORM,
    private readonly changes: AccessChangeLog,
    private readonly audit: AuditLog,
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  /** The caller's roles on a site, directly or through any of their groups. */
  async rolesOn(principal: Principal, siteId: string): Promise<SiteRole[]> {
    if (principal.admin) return [...SITE_ROLES];
    const grants = await this.orm.em.fork().find(SiteGrantEntity, {
      siteId,
      $or: [{ granteeKind: 'USER', grantee: principal.username }, ...(principal.groups.length ? [{ granteeKind: 'GROUP' as const, grantee: { $in: principal.groups } }] : [])],
    });
    return SITE_ROLES.filter((role) => grants.some((grant) => grant.role === role));
  }

  /** The caller's roles on a site, perhaps none; unknown sites are NOT_FOUND. */
  async rolesOnKnownSite(principal: Principal, siteId: string): Promise<SiteRole[]> {
    const site = await this.orm.em.fork().findOne(KnownSiteEntity, { siteId: validateId(siteId, 'siteId') });
    if (!site) throw notFound('Site', siteId);
    return this.rolesOn(principal, site.siteId);
  }

  /** A site the caller may see (any role) or manage (ADMIN). Unknown sites are NOT_FOUND. */
  async site(principal: Principal, siteId: string, need: 'see' | 'manage' = 'see'): Promise<KnownSite> {
    const site = await this.orm.em.fork().findOne(KnownSiteEntity, { siteId: validateId(siteId, 'siteId') });
    if (!site) throw notFound('Site', siteId);
    const roles = await this.rolesOn(principal, site.siteId);
    if (need === 'manage' && !roles.includes('ADMIN')) throw forbidden(`You may not change who has access to site ${site.name}; ask one of its admins`);
    if (roles.length === 0) throw forbidden(`You have no access to site ${site.name}`);
    return site;
  }

  async grants(siteId: string, role?: SiteRole, kind?: GranteeKind): Promise<SiteGrant[]> {
    return this.orm.em.fork().find(
      SiteGrantEntity,
      { siteId, ...(role ? { role } : {}), ...(kind ? { granteeKind: kind } : {}) },
      { orderBy: { role: 'asc', granteeKind: 'asc', grantee: 'asc' } },
    );
  }

  async grant(principal: Principal, siteId: string, role: SiteRole, grantee: Grantee): Promise<KnownSite> {
    const site = await this.site(principal, siteId, 'manage');
    await this.assertGranteeExists(grantee);
    const changes = await this.orm.em.fork().transactional(async (em) => {
      const key = { siteId: site.siteId, role, granteeKind: grantee.kind, grantee: grantee.name };
      if (await em.count(SiteGrantEntity, key)) return [];
      await em.insert(SiteGrantEntity, { ...key, grantedBy: principal.username, grantedAt: new Date() });
      return this.changes.append(em, [{ ...key, granted: true }]);
    });
    await this.changes.publish(changes);
    if (role === 'ADMIN') await this.reportSitesWithoutAdmin([site.siteId]);
    return site;
  }

  async revoke(principal: Principal, siteId: string, role: SiteRole, grantee: Grantee): Promise<KnownSite> {
    const site = await this.site(principal, siteId, 'manage');
    const changes = await this.orm.em.fork().transactional(async (em) => {
      const key = { siteId: site.siteId, role, granteeKind: grantee.kind, grantee: grantee.name };
      if (!(await em.count(SiteGrantEntity, key))) {
        throw new HostgraphError('NOT_FOUND', `${describe(grantee)} is not ${ROLE_WORDS[role]} of site ${site.name}`);
      }
      if (role === 'ADMIN' && !principal.admin && (await em.count(SiteGrantEntity, { siteId: site.siteId, role: 'ADMIN' })) === 1) {
        throw conflict(`${describe(grantee)} is the last admin of site ${site.name}; grant another admin first`);
      }
      await em.nativeDelete(SiteGrantEntity, key);
      return this.changes.append(em, [{ ...key, granted: false }]);
    });
    await this.changes.publish(changes);
    if (role === 'ADMIN') await this.reportSitesWithoutAdmin([site.siteId]);
    return site;
  }

  /** Hosting tells identity of a new site; its creator becomes its first admin. Idempotent. */
  async recordSiteCreation(site: { siteId: string; name: string; creator: string }): Promise<SiteAccessChange[]> {
    const siteId = validateId(site.siteId, 'siteId');
    const changes = await this.orm.em.fork().transactional(async (em) => {
      const known = await em.findOne(KnownSiteEntity, { siteId });
      if (known && known.createdBy !== site.creator) throw conflict(`Site ${siteId} was already recorded for ${known.createdBy}`);
      if (!known) await em.insert(KnownSiteEntity, { siteId, name: site.name, createdBy: site.creator, createdAt: new Date(), withoutAdminSince: null });
      const key = { siteId, role: 'ADMIN' as const, granteeKind: 'USER' as const, grantee: site.creator };
      if (await em.count(SiteGrantEntity, key)) return [];
      await em.insert(SiteGrantEntity, { ...key, grantedBy: site.creator, grantedAt: new Date() });
      return this.changes.append(em, [{ ...key, granted: true }]);
    });
    await this.changes.publish(changes);
    return changes;
  }

  /** A deleted site (or one whose creation was undone): its grants go, each revocation logged. */
  async forgetSite(siteId: string): Promise<SiteAccessChange[]> {
    const id = validateId(siteId, 'siteId');
    const changes = await this.orm.em.fork().transactional(async (em) => {
      const grants = await em.find(SiteGrantEntity, { siteId: id });
      await em.nativeDelete(SiteGrantEntity, { siteId: id });
      await em.nativeDelete(KnownSiteEntity, { siteId: id });
      return this.changes.append(em, grants.map(({ role, granteeKind, grantee }) => ({ siteId: id, role, granteeKind, grantee, granted: false })));
    });
    await this.changes.publish(changes);
    return changes;
  }

  async changesAfter(after: number, first: number): Promise<SiteAccessChange[]> {
    if (!Number.isInteger(after) || after < 0) throw badInput(`after must be a sequence number ≥ 0; got ${after}`, 'after');
    if (!Number.isInteger(first) || first < 1 || first > 1000) throw badInput(`first must be between 1 and 1000; got ${first}`, 'first');
    return this.changes.after(this.orm.em.fork(), after, first);
  }

  async sitesWithoutAdmin(): Promise<SiteWithoutAdminView[]> {
    const em = this.orm.em.fork();
    const sites = await em.find(KnownSiteEntity, { withoutAdminSince: { $ne: null } }, { orderBy: { name: 'asc' } });
    if (sites.length === 0) return [];
    const grants = await em.find(SiteGrantEntity, { role: 'ADMIN', siteId: { $in: sites.map((site) => site.siteId) } }, { orderBy: { granteeKind: 'desc', grantee: 'asc' } });
    return sites.map((site) => ({ site, formerAdmins: describeAll(grants.filter((grant) => grant.siteId === site.siteId)) }));
  }

  /**
   * Finds sites left with no active admin (every admin, and every member of every admin group, has
   * left the directory) and reports each once: a warning in the log, an audit entry, a message on
   * the bus for platform admins following `siteAdminLost`, and a row in `sitesWithoutAdmin` until
   * someone active is an admin again. People the directory never knew (dev tokens) count as
   * active: nothing can deactivate them.
   */
  async reportSitesWithoutAdmin(siteIds?: string[]): Promise<SiteWithoutAdminView[]> {
    const em = this.orm.em.fork();
    const sites = await em.find(KnownSiteEntity, siteIds ? { siteId: { $in: siteIds } } : {});
    if (sites.length === 0) return [];
    const adminGrants = await em.find(SiteGrantEntity, { role: 'ADMIN', siteId: { $in: sites.map((site) => site.siteId) } }, { orderBy: { granteeKind: 'desc', grantee: 'asc' } });
    const hasActiveAdmin = await this.activeGranteeCheck(em, adminGrants);
    const now = new Date();
    const orphaned: SiteWithoutAdminView[] = [];
    for (const site of sites) {
      const grants = adminGrants.filter((grant) => grant.siteId === site.siteId);
      const covered = grants.some(hasActiveAdmin);
      if (covered && site.withoutAdminSince) {
        await em.nativeUpdate(KnownSiteEntity, { siteId: site.siteId }, { withoutAdminSince: null });
        this.logger.info({ siteId: site.siteId, site: site.name }, 'site has an active admin again');
      } else if (!covered && !site.withoutAdminSince) {
        // Only the replica whose update flips the column reports, so a site is reported once.
        const flipped = await em.nativeUpdate(KnownSiteEntity, { siteId: site.siteId, withoutAdminSince: null }, { withoutAdminSince: now });
        if (flipped === 0) continue;
        const formerAdmins = describeAll(grants);
        orphaned.push({ site: { ...site, withoutAdminSince: now }, formerAdmins });
        await this.announceSiteWithoutAdmin(site, now, formerAdmins);
      }
    }
    return orphaned;
  }

  private async announceSiteWithoutAdmin(site: KnownSite, since: Date, formerAdmins: string[]) {
    this.logger.warn({ siteId: site.siteId, site: site.name, formerAdmins }, 'site has no active admin left');
    await this.audit.record({
      actor: 'service:identity',
      actorKind: 'service',
      operation: 'siteWithoutAdmin',
      arguments: { formerAdmins },
      siteId: site.siteId,
      target: `site ${site.name}`,
      outcome: 'SUCCEEDED',
      errorMessage: `Site ${site.name} has no active admin left: ${formerAdmins.join(', ') || 'nobody'} left or lost access`,
    });
    const notice: SiteAdminLost = { siteId: site.siteId, name: site.name, since: since.toISOString(), formerAdmins };
    await this.bus.publish(SITE_ADMIN_LOST_CHANNEL, notice).catch((error) => this.logger.warn({ err: error, siteId: site.siteId }, 'site without admin not announced; sitesWithoutAdmin still lists it'));
  }

  /** Whether a grant still reaches someone active: an active (or unknown) person, or a group with an active member. */
  private async activeGranteeCheck(em: EntityManager, grants: SiteGrant[]): Promise<(grant: SiteGrant) => boolean> {
    const users = grants.filter((grant) => grant.granteeKind === 'USER').map((grant) => grant.grantee);
    const groups = grants.filter((grant) => grant.granteeKind === 'GROUP').map((grant) => grant.grantee);
    const inactive = new Set(
      users.length ? (await em.find(UserEntity, { username: { $in: users }, active: false }, { fields: ['username'] })).map((user) => user.username) : [],
    );
    // Memberships only ever hold people the directory lists now, so any row is an active member.
    const populated = new Set(
      groups.length ? (await em.find(MembershipEntity, { groupId: { $in: groups } }, { fields: ['groupId'] })).map((row) => row.groupId) : [],
    );
    return (grant) => (grant.granteeKind === 'USER' ? !inactive.has(grant.grantee) : populated.has(grant.grantee));
  }

  private async assertGranteeExists(grantee: Grantee) {
    const em = this.orm.em.fork();
    if (grantee.kind === 'USER') {
      const user = await em.findOne(UserEntity, { username: grantee.name });
      if (!user) throw notFound('User', grantee.name);
      if (!user.active) throw badInput(`${grantee.name} has left the directory and can no longer be granted access`, 'user');
    } else if (!(await em.count(GroupEntity, { id: grantee.name }))) {
      throw notFound('Group', grantee.name);
    }
  }
}

const describeAll = (grants: SiteGrant[]) => grants.map((grant) => describe({ kind: grant.granteeKind, name: grant.grantee }));
