import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { ApiTokenScope } from '../../../core/principal.js';

/** GraphQL enum names cannot hold a colon; the values stay `sites:read` and so on inside. */
export const ApiTokenScopeEnum = {
  SITES_READ: 'sites:read',
  SITES_WRITE: 'sites:write',
  TASKS_READ: 'tasks:read',
  ADMIN: 'admin',
} as const satisfies Record<string, ApiTokenScope>;
registerEnumType(ApiTokenScopeEnum, {
  name: 'ApiTokenScope',
  valuesConfig: {
    SITES_READ: { description: 'Read sites and who has access to them.' },
    SITES_WRITE: { description: 'Create, change and delete sites, and grant access to them (includes SITES_READ).' },
    TASKS_READ: { description: 'Read tasks and follow their events.' },
    ADMIN: { description: 'Act as a platform admin (only for tokens of platform admins).' },
  },
});

@ObjectType({ description: 'A token for scripts and integrations; its secret was shown once, when it was made.' })
export class ApiToken {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [ApiTokenScopeEnum])
  scopes!: ApiTokenScope[];

  @Field(() => String, { description: 'The first characters of the secret, to tell tokens apart.' })
  prefix!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a gateway last checked it (to within its cache time, seconds).' })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => String, { nullable: true })
  revokedReason!: string | null;
}

@ObjectType()
export class CreatedApiToken {
  @Field(() => ApiToken)
  token!: ApiToken;

  @Field(() => String, { description: 'Send as `Authorization: Bearer <secret>`. Shown this once: only its hash is kept.' })
  secret!: string;
}

@ObjectType({ description: 'Internal: what the gateway learns from a token secret’s hash.' })
export class ApiTokenCheck {
  @Field(() => Boolean)
  valid!: boolean;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => ID, { nullable: true })
  tokenId!: string | null;

  @Field(() => String, { nullable: true })
  username!: string | null;

  @Field(() => [String], { nullable: true })
  scopes!: string[] | null;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
}
