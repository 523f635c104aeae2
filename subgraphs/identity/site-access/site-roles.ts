/**
 * What a grant on a site lets its holder do: admins manage the site (and its grants), SSH users
 * get an account on its VM and may look, supporters may look.
 */
export const SITE_ROLES = ['ADMIN', 'SSH', 'SUPPORTER'] as const;
export type SiteRole = (typeof SITE_ROLES)[number];

/** A grant names one person or one group; a group's grant reaches its members, nested groups included. */
export const GRANTEE_KINDS = ['USER', 'GROUP'] as const;
export type GranteeKind = (typeof GRANTEE_KINDS)[number];

/** One change of who may do what on a site, as the identity subgraph publishes it, numbered in commit order. */
export interface SiteAccessChange {
  seq: number;
  siteId: string;
  role: SiteRole;
  granteeKind: GranteeKind;
  grantee: string;
  granted: boolean;
}

/** Bus channel of SiteAccessChange messages; hosting keeps its projection of grants from it. */
export const SITE_ACCESS_CHANNEL = 'identity:site-access';
