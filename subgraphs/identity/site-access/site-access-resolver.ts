import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { channelIterator } from '../../../core/bus/channel-iterator.js';
import { requirePlatformAdmin, requireScope, requireService, signedIn, type Principal } from '../../../core/principal.js';
import { SITE_ADMIN_LOST_CHANNEL, type SiteAdminLost } from '../identity-channels.js';
import type { IdentityContext } from '../identity-context.js';
import { Group, User } from '../people/people-types.js';
import type { Person } from '../people/people-service.js';
import type { SiteGrant as SiteGrantRow } from './site-access-entities.js';
import { granteeOf } from './site-access-service.js';
import { SiteAccessChange, SiteCreationRecord, SiteGrant, SiteRoleEnum, SiteWithoutAdmin, Site } from './site-access-types.js';
import type { GranteeKind, SiteRole } from './site-roles.js';

/** Grant fields show only to whoever may see the site; asked once per site and request. */
async function visibleGrants(context: IdentityContext, site: Site, role?: SiteRole, kind?: GranteeKind): Promise<SiteGrantRow[]> {
  const principal = requireScope(signedIn(context.principal), 'sites:read');
  if (principal.kind !== 'service') {
    context.visibleSites ??= new Map();
    let check = context.visibleSites.get(site.id);
    if (!check) context.visibleSites.set(site.id, (check = context.siteAccess.site(principal, site.id)));
    await check;
  }
  return context.siteAccess.grants(site.id, role, kind);
}

const grantees = (grants: SiteGrantRow[]) => grants.map((grant) => grant.grantee);

@Resolver(() => Site)
export class SiteAccessResolver {
  @FieldResolver(() => [User], { description: 'People who manage the site, named directly.' })
  async admins(@Root() site: Site, @Ctx() context: IdentityContext): Promise<Person[]> {
    return context.people.peopleNamed(grantees(await visibleGrants(context, site, 'ADMIN', 'USER')));
  }

  @FieldResolver(() => [Group], { description: 'Groups whose members (nested groups included) manage the site.' })
  async adminGroups(@Root() site: Site, @Ctx() context: IdentityContext) {
    return context.people.groupsNamed(grantees(await visibleGrants(context, site, 'ADMIN', 'GROUP')));
  }

  @FieldResolver(() => [User], { description: 'People with an account on the site’s VM, named directly.' })
  async sshUsers(@Root() site: Site, @Ctx() context: IdentityContext): Promise<Person[]> {
    return context.people.peopleNamed(grantees(await visibleGrants(context, site, 'SSH', 'USER')));
  }

  @FieldResolver(() => [Group], { description: 'Groups whose members get an account on the site’s VM.' })
  async sshGroups(@Root() site: Site, @Ctx() context: IdentityContext) {
    return context.people.groupsNamed(grantees(await visibleGrants(context, site, 'SSH', 'GROUP')));
  }

  @FieldResolver(() => [User], { description: 'People who may look at the site to help.' })
  async supporters(@Root() site: Site, @Ctx() context: IdentityContext): Promise<Person[]> {
    return context.people.peopleNamed(grantees(await visibleGrants(context, site, 'SUPPORTER', 'USER')));
  }

  @FieldResolver(() => [Group], { description: 'Groups whose members may look at the site to help.' })
  async supporterGroups(@Root() site: Site, @Ctx() context: IdentityContext) {
    return context.people.groupsNamed(grantees(await visibleGrants(context, site, 'SUPPORTER', 'GROUP')));
  }

  @FieldResolver(() => [SiteGrant], { description: 'Every grant on the site, with who made it and when.' })
  async grants(@Root() site: Site, @Ctx() context: IdentityContext): Promise<SiteGrant[]> {
    const rows = await visibleGrants(context, site);
    const people = new Map((await context.people.peopleNamed(grantees(rows.filter((row) => row.granteeKind === 'USER')))).map((p) => [p.username, p]));
    const groups = new Map((await context.people.groupsNamed(grantees(rows.filter((row) => row.granteeKind === 'GROUP')))).map((g) => [g.id, g]));
    return rows.map((row) => ({
      role: row.role,
      user: row.granteeKind === 'USER' ? (people.get(row.grantee) ?? null) : null,
      group: row.granteeKind === 'GROUP' ? (groups.get(row.grantee) ?? null) : null,
      grantedBy: row.grantedBy,
      grantedAt: row.grantedAt,
    }));
  }

  @FieldResolver(() => [SiteRoleEnum], { description: 'Your roles on the site, directly or through your groups (all of them for platform admins).' })
  async myRoles(@Root() site: Site, @Ctx() context: IdentityContext): Promise<SiteRole[]> {
    return context.siteAccess.rolesOn(signedIn(context.principal), site.id);
  }

  @Mutation(() => Site, { description: 'Gives a person or a group a role on a site (site admins and platform admins). Granting twice changes nothing.' })
  async grantSiteAccess(
    @Arg('siteId', () => ID) siteId: string,
    @Arg('role', () => SiteRoleEnum) role: SiteRole,
    @Ctx() context: IdentityContext,
    @Arg('user', () => String, { nullable: true }) user?: string,
    @Arg('group', () => ID, { nullable: true }) group?: string,
  ): Promise<Site> {
    const principal = requireScope(signedIn(context.principal), 'sites:write');
    const site = await context.siteAccess.grant(principal, siteId, role, granteeOf(user, group));
    return { id: site.siteId };
  }

  @Mutation(() => Site, { description: 'Takes a role away; a site keeps at least one admin unless a platform admin removes the last.' })
  async revokeSiteAccess(
    @Arg('siteId', () => ID) siteId: string,
    @Arg('role', () => SiteRoleEnum) role: SiteRole,
    @Ctx() context: IdentityContext,
    @Arg('user', () => String, { nullable: true }) user?: string,
    @Arg('group', () => ID, { nullable: true }) group?: string,
  ): Promise<Site> {
    const principal = requireScope(signedIn(context.principal), 'sites:write');
    const site = await context.siteAccess.revoke(principal, siteId, role, granteeOf(user, group));
    return { id: site.siteId };
  }

  @Query(() => [SiteWithoutAdmin], { description: 'Sites whose admins have all left the directory (platform admins).' })
  async sitesWithoutAdmin(@Ctx() context: IdentityContext): Promise<SiteWithoutAdmin[]> {
    requirePlatformAdmin(context.principal, 'list sites without an admin');
    const sites = await context.siteAccess.sitesWithoutAdmin();
    return sites.map(({ site, formerAdmins }) => ({ site: { id: site.siteId }, name: site.name, since: site.withoutAdminSince!, formerAdmins }));
  }

  @Subscription(() => SiteWithoutAdmin, {
    description: 'Each site as it loses its last active admin, live (platform admins); `sitesWithoutAdmin` lists those still without one.',
    subscribe: async ({ context }) => {
      const ctx = context as IdentityContext;
      requirePlatformAdmin(ctx.principal, 'follow sites that lose their last admin');
      return channelIterator<SiteAdminLost>(ctx.bus, SITE_ADMIN_LOST_CHANNEL);
    },
  })
  siteAdminLost(@Root() notice: SiteAdminLost): SiteWithoutAdmin {
    return { site: { id: notice.siteId }, name: notice.name, since: new Date(notice.since), formerAdmins: notice.formerAdmins };
  }

  @Query(() => [SiteRoleEnum], { description: 'Your roles on a site, perhaps none (NOT_FOUND when there is no such site): how other subgraphs authorize what you ask of them.' })
  async myRolesOnSite(@Arg('siteId', () => ID) siteId: string, @Ctx() context: IdentityContext): Promise<SiteRole[]> {
    return context.siteAccess.rolesOnKnownSite(signedIn(context.principal), siteId);
  }

  @Query(() => [SiteAccessChange], { description: 'Internal: grant changes after `after`, in order, for hosting’s projection (Hostgraph and platform admins).' })
  async siteAccessChanges(
    @Arg('after', () => Int) after: number,
    @Ctx() context: IdentityContext,
    @Arg('first', () => Int, { defaultValue: 500 }) first: number,
  ): Promise<SiteAccessChange[]> {
    serviceOrPlatformAdmin(context.principal);
    return context.siteAccess.changesAfter(after, first);
  }

  @Mutation(() => SiteCreationRecord, { description: 'Internal: hosting records a new site; its creator becomes its first admin.' })
  async recordSiteCreation(
    @Arg('siteId', () => ID) siteId: string,
    @Arg('name', () => String) name: string,
    @Arg('creator', () => String) creator: string,
    @Arg('creatorGroups', () => [String]) creatorGroups: string[],
    @Ctx() context: IdentityContext,
  ): Promise<SiteCreationRecord> {
    requireService(context.principal);
    const changes = await context.siteAccess.recordSiteCreation({ siteId, name, creator });
    return { changes, quota: await context.quotas.effective(creator, creatorGroups) };
  }

  @Mutation(() => [SiteAccessChange], { description: 'Internal: hosting deleted a site (or undid its creation); its grants go.' })
  async forgetSite(@Arg('siteId', () => ID) siteId: string, @Ctx() context: IdentityContext): Promise<SiteAccessChange[]> {
    requireService(context.principal);
    return context.siteAccess.forgetSite(siteId);
  }
}

function serviceOrPlatformAdmin(principal: Principal | null) {
  const caller = signedIn(principal);
  if (caller.kind !== 'service') requirePlatformAdmin(caller, 'read the grant change log');
}
