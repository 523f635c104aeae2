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
