import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { GRANTEE_KINDS } from '../site-access/site-roles.js';

/** Limits an admin set on a person or a group; null is no limit. Each member gets the group's limits. */
export const QuotaEntity = defineEntity({
  name: 'IdentityQuota',
  tableName: 'identity_quotas',
  properties: {
    subjectKind: p.enum(GRANTEE_KINDS).primary(),
    subject: p.string().length(255).primary(),
    sites: p.integer().nullable(),
    vcpus: p.integer().nullable(),
    memoryMiB: p.integer().nullable().fieldName('memory_mib'),
    snapshots: p.integer().nullable(),
    updatedBy: p.string().length(255),
    updatedAt: p.datetime(),
  },
  primaryKeys: ['subjectKind', 'subject'],
});
export type Quota = InferEntity<typeof QuotaEntity>;
