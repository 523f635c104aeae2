import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Group, User } from '../people/people-types.js';
import { EffectiveQuota } from '../quotas/quota-types.js';
import { GRANTEE_KINDS, SITE_ROLES, type GranteeKind, type SiteRole } from './site-roles.js';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const SiteRoleEnum = enumOf(SITE_ROLES);
registerEnumType(SiteRoleEnum, {
  name: 'SiteRole',
  valuesConfig: {
    ADMIN: { description: 'Manages the site and who has access to it.' },
    SSH: { description: 'Has an account on its VM; may look at the site.' },
    SUPPORTER: { description: 'May look at the site and its tasks, to help.' },
  },
});
export const GranteeKindEnum = enumOf(GRANTEE_KINDS);
registerEnumType(GranteeKindEnum, { name: 'GranteeKind' });

@ObjectType({ description: 'A hosted site, as the identity subgraph knows it: who may do what on it.' })
@Directive('@key(fields: "id")')
export class Site {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: 'One role on a site, given to a person or to a group (whose nested members it reaches too).' })
export class SiteGrant {
  @Field(() => SiteRoleEnum)
  role!: SiteRole;

  @Field(() => User, { nullable: true, description: 'The person, for a grant to a person.' })
  user!: User | null;

  @Field(() => Group, { nullable: true, description: 'The group, for a grant to a group.' })
  group!: Group | null;

  @Field(() => String)
  grantedBy!: string;

  @Field(() => Date)
  grantedAt!: Date;
}

@ObjectType({ description: 'A grant or revocation, numbered in the order they happened (for Hostgraph’s own projections).' })
export class SiteAccessChange {
  @Field(() => Int)
  seq!: number;

  @Field(() => ID)
  siteId!: string;

  @Field(() => SiteRoleEnum)
  role!: SiteRole;

  @Field(() => GranteeKindEnum)
  granteeKind!: GranteeKind;

  @Field(() => String)
  grantee!: string;

  @Field(() => Boolean)
  granted!: boolean;
}

@ObjectType({ description: 'What hosting needs when it creates a site: the creator’s admin grant and their quota.' })
export class SiteCreationRecord {
  @Field(() => [SiteAccessChange])
  changes!: SiteAccessChange[];

  @Field(() => EffectiveQuota)
  quota!: EffectiveQuota;
}

@ObjectType({ description: 'A site whose admins (people, and every member of its admin groups) have all left.' })
export class SiteWithoutAdmin {
  @Field(() => Site)
  site!: Site;

  @Field(() => String)
  name!: string;

  @Field(() => Date, { description: 'Since when nobody active may manage it.' })
  since!: Date;

  @Field(() => [String], { description: 'Its admin grants, none of which reaches anyone active: `alice`, `group webteam`.' })
  formerAdmins!: string[];
}
