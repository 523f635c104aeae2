import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { GRANTEE_KINDS, SITE_ROLES } from './site-roles.js';

/** Sites as identity knows them: told by hosting when one is created, forgotten when it is deleted. */
export const KnownSiteEntity = defineEntity({
  name: 'IdentitySite',
  tableName: 'identity_sites',
  properties: {
    siteId: p.uuid().primary(),
    name: p.string().length(63).index(),
    createdBy: p.string().length(255),
    createdAt: p.datetime(),
    /** Since when no active admin is left (everyone who could manage it left); null while it has one. */
    withoutAdminSince: p.datetime().nullable(),
  },
});
export type KnownSite = InferEntity<typeof KnownSiteEntity>;

export const SiteGrantEntity = defineEntity({
  name: 'IdentitySiteGrant',
  tableName: 'identity_site_grants',
  properties: {
    siteId: p.uuid().primary(),
    role: p.enum(SITE_ROLES).primary(),
    granteeKind: p.enum(GRANTEE_KINDS).primary(),
    grantee: p.string().length(255).primary(),
    grantedBy: p.string().length(255),
    grantedAt: p.datetime(),
  },
  primaryKeys: ['siteId', 'role', 'granteeKind', 'grantee'],
  indexes: [{ properties: ['granteeKind', 'grantee'] }],
});
export type SiteGrant = InferEntity<typeof SiteGrantEntity>;

/**
 * Every grant and revocation in commit order: what hosting replays to keep its projection whole
 * when a bus message was lost. `seq` comes from a counter row whose update serialises writers, so a
 * reader that saw seq N has seen everything before it.
 */
export const SiteAccessChangeEntity = defineEntity({
  name: 'IdentitySiteAccessChange',
  tableName: 'identity_site_access_changes',
  properties: {
    seq: p.integer().primary().autoincrement(false),
    siteId: p.uuid(),
    role: p.enum(SITE_ROLES),
    granteeKind: p.enum(GRANTEE_KINDS),
    grantee: p.string().length(255),
    granted: p.boolean(),
    at: p.datetime(),
  },
});

/** Named counters; a counter's row is also the lock its writers queue on. */
export const CounterEntity = defineEntity({
  name: 'IdentityCounter',
  tableName: 'identity_counters',
  properties: {
    name: p.string().length(64).primary(),
    value: p.integer(),
  },
});
