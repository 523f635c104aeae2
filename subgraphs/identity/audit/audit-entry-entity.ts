import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const AUDIT_OUTCOMES = ['SUCCEEDED', 'FAILED'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One mutation, whoever made it and through whichever subgraph; arguments are stored redacted. */
export const AuditEntryEntity = defineEntity({
  name: 'IdentityAuditEntry',
  tableName: 'identity_audit_entries',
  properties: {
    id: p.uuid().primary(),
    at: p.datetime().index(),
    actor: p.string().length(255).index(),
    actorKind: p.string().length(16),
    tokenId: p.uuid().nullable(),
    /** The mutation field, e.g. `createSite`. */
    operation: p.string().length(128).index(),
    /** The name the client gave its operation, if any. */
    operationName: p.string().length(255).nullable(),
    arguments: p.json<Record<string, unknown>>(),
    /** The site the mutation was about, when there was one. */
    siteId: p.uuid().nullable().index(),
    /** What else it was about: `Task 1f…`, `SshKey 9c…`, `site blog`. */
    target: p.string().length(255).nullable(),
    outcome: p.enum(AUDIT_OUTCOMES),
    errorCode: p.string().length(64).nullable(),
    errorMessage: p.text().nullable(),
    requestId: p.string().length(128).nullable(),
  },
});
export type AuditEntry = InferEntity<typeof AuditEntryEntity>;
