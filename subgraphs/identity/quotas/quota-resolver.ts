import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { forbidden } from '../../../core/errors.js';
import { requirePerson, requirePlatformAdmin, signedIn } from '../../../core/principal.js';
import type { IdentityContext } from '../identity-context.js';
import type { Person } from '../people/people-service.js';
import { User } from '../people/people-types.js';
import { granteeOf } from '../site-access/site-access-service.js';
import type { Quota as QuotaRow } from './quota-entity.js';
import { limitsOf } from './quota-service.js';
import { EffectiveQuota, Quota, QuotaLimitsInput } from './quota-types.js';

async function toQuota(row: QuotaRow, context: IdentityContext): Promise<Quota> {
  const [user] = row.subjectKind === 'USER' ? await context.people.peopleNamed([row.subject]) : [null];
  const [group] = row.subjectKind === 'GROUP' ? await context.people.groupsNamed([row.subject]) : [null];
  return {
    user: user ?? null,
    group: group ?? null,
    limits: limitsOf(row),
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt,
  };
}

@Resolver(() => User)
export class QuotaResolver {
  @FieldResolver(() => EffectiveQuota, { description: 'The limits that apply to them (yourself, or anyone for platform admins).' })
  async quota(@Root() user: Person, @Ctx() context: IdentityContext): Promise<EffectiveQuota> {
    const principal = signedIn(context.principal);
    const self = principal.username === user.username;
    if (!self && !principal.admin) throw forbidden(`Only ${user.username} and platform admins may see their quota`);
    return context.quotas.effective(user.username, self ? principal.groups : []);
  }

  @Query(() => [Quota], { description: 'Every quota set on a person or a group (platform admins).' })
  async quotas(@Ctx() context: IdentityContext): Promise<Quota[]> {
    requirePlatformAdmin(context.principal, 'list quotas');
    return Promise.all((await context.quotas.list()).map((row) => toQuota(row, context)));
  }

  @Mutation(() => Quota, { description: 'Sets the limits of a person or of a group, replacing any set before (platform admins).' })
  async setQuota(
    @Arg('limits', () => QuotaLimitsInput) limits: QuotaLimitsInput,
    @Ctx() context: IdentityContext,
    @Arg('user', () => String, { nullable: true }) user?: string,
    @Arg('group', () => ID, { nullable: true }) group?: string,
  ): Promise<Quota> {
    const principal = requirePerson(requirePlatformAdmin(context.principal, 'set quotas'), 'set quotas');
    return toQuota(await context.quotas.set(principal, granteeOf(user, group), limits), context);
  }

  @Mutation(() => Boolean, { description: 'Removes the quota of a person or a group; false when there was none (platform admins).' })
  async removeQuota(
    @Ctx() context: IdentityContext,
    @Arg('user', () => String, { nullable: true }) user?: string,
    @Arg('group', () => ID, { nullable: true }) group?: string,
  ): Promise<boolean> {
    requirePerson(requirePlatformAdmin(context.principal, 'remove quotas'), 'remove quotas');
    return context.quotas.remove(granteeOf(user, group));
  }
}
