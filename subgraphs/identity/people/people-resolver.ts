import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { Page } from '../../../core/graphql/connection.js';
import { requireService, signedIn } from '../../../core/principal.js';
import type { IdentityContext } from '../identity-context.js';
import type { Person, PrincipalFacts as Facts } from './people-service.js';
import { Group, GroupConnection, PrincipalFacts, User, UserConnection } from './people-types.js';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { description: 'You, as the directory knows you.' })
  async me(@Ctx() context: IdentityContext): Promise<Person> {
    return context.people.me(signedIn(context.principal));
  }

  @Query(() => User, { description: 'A person from the directory, active or not; NOT_FOUND when the directory never listed them.' })
  async user(@Arg('username', () => String) username: string, @Ctx() context: IdentityContext): Promise<Person> {
    signedIn(context.principal);
    return context.people.user(username);
  }

  @Query(() => UserConnection, { description: 'People from the directory, by username.' })
  async users(
    @Ctx() context: IdentityContext,
    @Arg('search', () => String, { nullable: true, description: 'Part of the username, display name or mail, any case.' }) search?: string,
    @Arg('active', () => Boolean, { nullable: true, description: 'Only people who are (true) or are no longer (false) in the directory.' }) active?: boolean,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; 20 when omitted.' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Page<Person>> {
    signedIn(context.principal);
    return context.people.users({ search, active }, first, after);
  }

  @Query(() => PrincipalFacts, { description: 'Internal: the gateway asks who a caller is before it signs their principal.' })
  async principalFacts(@Arg('username', () => String) username: string, @Ctx() context: IdentityContext): Promise<Facts> {
    requireService(context.principal);
    return context.people.principalFacts(username);
  }

  @FieldResolver(() => [Group], { description: 'Groups they belong to; with nested groups followed unless `direct`.' })
  async groups(@Root() user: Person, @Ctx() context: IdentityContext, @Arg('direct', () => Boolean, { defaultValue: false }) direct: boolean) {
    if (!user.inDirectory) return [];
    return context.people.groupsOf(user.username, direct);
  }

  @FieldResolver(() => Boolean, { description: 'Whether they may do everything, being in a platform admin group.' })
  async platformAdmin(@Root() user: Person, @Ctx() context: IdentityContext): Promise<boolean> {
    const principal = signedIn(context.principal);
    if (principal.username === user.username && principal.admin) return true;
    return (await context.people.groupIdsOf(user.username)).some((id) => context.people.isPlatformAdminGroup(id));
  }
}

@Resolver(() => Group)
export class GroupResolver {
  @Query(() => Group, { description: 'A group from the directory; NOT_FOUND when there is none with this id.' })
  async group(@Arg('id', () => ID) id: string, @Ctx() context: IdentityContext) {
    signedIn(context.principal);
    return context.people.group(id);
  }

  @Query(() => GroupConnection, { description: 'Groups from the directory, by id.' })
  async groups(
    @Ctx() context: IdentityContext,
    @Arg('search', () => String, { nullable: true, description: 'Part of the id, name or description, any case.' }) search?: string,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; 20 when omitted.' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    signedIn(context.principal);
    return context.people.groups(search, first, after);
  }

  @FieldResolver(() => [User], { description: 'People in the group: direct members, or with `nested` everyone in its member groups too.' })
  async members(@Root() group: Group, @Ctx() context: IdentityContext, @Arg('nested', () => Boolean, { defaultValue: false }) nested: boolean) {
    return context.people.membersOf(group.id, nested);
  }

  @FieldResolver(() => [Group], { description: 'Groups listed as members of this one.' })
  async memberGroups(@Root() group: Group, @Ctx() context: IdentityContext) {
    return context.people.memberGroupsOf(group.id);
  }
}
