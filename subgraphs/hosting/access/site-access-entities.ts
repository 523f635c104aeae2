import { defineEntity, p } from '@mikro-orm/core';
import { GRANTEE_KINDS, SITE_ROLES } from '../../identity/site-access/site-roles.js';

/**
 * Hosting's copy of the grants identity owns, kept from identity's numbered change log. Each row
 * holds the latest change of its grant (a revocation stays as `granted = false`), so changes apply
 * in any order and any number of times with the same result: the higher `seq` wins.
 */
export const SiteAccessEntity = defineEntity({
  name: 'SiteAccess',
  tableName: 'site_access',
  properties: {
    siteId: p.uuid().primary(),
    role: p.enum(SITE_ROLES).primary(),
    granteeKind: p.enum(GRANTEE_KINDS).primary(),
    grantee: p.string().length(255).primary(),
    granted: p.boolean(),
    seq: p.integer(),
  },
  primaryKeys: ['siteId', 'role', 'granteeKind', 'grantee'],
  indexes: [{ properties: ['granteeKind', 'grantee', 'siteId'] }],
});

/** How far the copy has caught up with identity's change log, with no gap. */
export const SiteAccessCursorEntity = defineEntity({
  name: 'SiteAccessCursor',
  tableName: 'site_access_cursor',
  properties: {
    name: p.string().length(64).primary(),
    lastSeq: p.integer(),
  },
});
