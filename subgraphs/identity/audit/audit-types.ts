import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../../../core/graphql/connection.js';
import { Site } from '../site-access/site-access-types.js';
import { AUDIT_OUTCOMES, type AuditOutcome } from './audit-entry-entity.js';

export const AuditOutcomeEnum = Object.fromEntries(AUDIT_OUTCOMES.map((v) => [v, v])) as Record<AuditOutcome, AuditOutcome>;
registerEnumType(AuditOutcomeEnum, { name: 'AuditOutcome' });

@ObjectType({ description: 'One mutation: who, what (arguments with secrets redacted), on what, when, and how it went.' })
export class AuditEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { description: 'The username, or `service:<name>` for Hostgraph itself.' })
  actor!: string;

  @Field(() => String, { description: '`user`, `token` or `service`.' })
  actorKind!: string;

  @Field(() => ID, { nullable: true, description: 'The API token that acted, if one did.' })
  tokenId!: string | null;

  @Field(() => String, { nullable: true, description: 'That token’s name, as its owner called it.' })
  tokenName!: string | null;

  @Field(() => String, { description: 'The mutation, e.g. createSite.' })
  operation!: string;

  @Field(() => String, { nullable: true })
  operationName!: string | null;

  @Field(() => GraphQLJSONObject)
  arguments!: Record<string, unknown>;

  @Field(() => Site, { nullable: true })
  site!: Site | null;

  @Field(() => String, { nullable: true })
  target!: string | null;

  @Field(() => AuditOutcomeEnum)
  outcome!: AuditOutcome;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => String, { nullable: true })
  requestId!: string | null;
}

export const AuditEntryConnection = connectionType(AuditEntry, 'AuditEntry');

@InputType({ description: 'Narrows `auditLog`; every field given must match.' })
export class AuditFilter {
  @Field(() => String, { nullable: true })
  actor?: string;

  @Field(() => String, { nullable: true })
  operation?: string;

  @Field(() => ID, { nullable: true })
  siteId?: string;

  @Field(() => AuditOutcomeEnum, { nullable: true })
  outcome?: AuditOutcome;

  @Field(() => Date, { nullable: true })
  since?: Date;

  @Field(() => Date, { nullable: true })
  until?: Date;
}

@InputType({ description: 'Internal: a mutation as the gateway saw it.' })
export class AuditEntryInput {
  @Field(() => String)
  actor!: string;

  @Field(() => String)
  actorKind!: string;

  @Field(() => ID, { nullable: true })
  tokenId?: string;

  @Field(() => String)
  operation!: string;

  @Field(() => String, { nullable: true })
  operationName?: string;

  @Field(() => GraphQLJSONObject)
  arguments!: Record<string, unknown>;

  @Field(() => ID, { nullable: true })
  siteId?: string;

  @Field(() => String, { nullable: true })
  siteName?: string;

  @Field(() => String, { nullable: true })
  target?: string;

  @Field(() => AuditOutcomeEnum)
  outcome!: AuditOutcome;

  @Field(() => String, { nullable: true })
  errorCode?: string;

  @Field(() => String, { nullable: true })
  errorMessage?: string;

  @Field(() => String, { nullable: true })
  requestId?: string;

  @Field(() => Date)
  at!: Date;
}
