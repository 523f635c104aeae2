/**
 * What the identity subgraph announces on the bus. Every message only says what changed; whoever
 * listens keeps its own copy (a cache, a projection) and can always ask identity again.
 */

/** These people's groups or standing changed: gateways drop what they cached about them. */
export const PRINCIPALS_CHANGED_CHANNEL = 'identity:principals-changed';
export interface PrincipalsChanged {
  usernames: string[];
}

/** These API tokens stopped working: gateways forget them at once. */
export const API_TOKENS_REVOKED_CHANNEL = 'identity:api-tokens-revoked';
export interface ApiTokensRevoked {
  tokenIds: string[];
}

/** A site lost its last active admin: platform admins following `siteAdminLost` hear of it. */
export const SITE_ADMIN_LOST_CHANNEL = 'identity:site-admin-lost';
export interface SiteAdminLost {
  siteId: string;
  name: string;
  /** ISO time since when nobody active can manage it. */
  since: string;
  /** The admin grants that no longer reach anyone active: `alice`, `group webteam`. */
  formerAdmins: string[];
}

/** These people added or removed SSH keys: the VMs they have accounts on follow. */
export const SSH_KEYS_CHANGED_CHANNEL = 'identity:ssh-keys-changed';
export interface SshKeysChanged {
  usernames: string[];
}
