import type { Bus, Unsubscribe } from '../core/bus/bus.js';
import { HostgraphError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import type { IdentityClient } from '../subgraphs/identity/client/identity-client.js';
import { hashTokenSecret } from '../subgraphs/identity/api-tokens/token-secret.js';
import { API_TOKENS_REVOKED_CHANNEL, type ApiTokensRevoked } from '../subgraphs/identity/identity-channels.js';
import { AuthenticationError, IdentityProviderUnavailable } from './authenticate.js';

export type AuthenticateApiToken = (secret: string) => Promise<Principal>;

interface Cached {
  principal: Principal;
  until: number;
}

/**
 * API tokens are checked by identity (which keeps only their hashes) and the answer cached here
 * for a few seconds. A revocation is announced on the bus and evicts the token at once on every
 * gateway; the cache time bounds how long a lost announcement could keep a token alive.
 */
export async function createApiTokenAuthentication(options: {
  identity: Pick<IdentityClient, 'checkApiToken'>;
  bus: Bus;
  cacheSeconds: number;
}): Promise<{ authenticate: AuthenticateApiToken; close: () => Promise<void> }> {
  const cache = new Map<string, Cached>();
  const unsubscribe: Unsubscribe = await options.bus.subscribe(API_TOKENS_REVOKED_CHANNEL, (message) => {
    const revoked = new Set((message as ApiTokensRevoked).tokenIds ?? []);
    for (const [hash, cached] of cache) if (revoked.has(cached.principal.tokenId!)) cache.delete(hash);
  });

  const authenticate: AuthenticateApiToken = async (secret) => {
    const hash = hashTokenSecret(secret);
    const now = Date.now();
    const cached = cache.get(hash);
    if (cached && now < cached.until) return cached.principal;
    cache.delete(hash);
    let check;
    try {
      check = await options.identity.checkApiToken(hash);
    } catch (error) {
      if (error instanceof HostgraphError && error.extensions.code === 'SERVICE_UNAVAILABLE') {
        throw new IdentityProviderUnavailable(`API tokens cannot be checked right now: ${error.message}`);
      }
      throw error;
    }
    if (!check.valid) throw new AuthenticationError(check.reason);
    const principal: Principal = { username: check.username, groups: [], scopes: check.scopes, admin: false, kind: 'token', tokenId: check.tokenId };
    const expires = check.expiresAt ? Date.parse(check.expiresAt) : Infinity;
    cache.set(hash, { principal, until: Math.min(now + options.cacheSeconds * 1000, expires) });
    return principal;
  };

  return { authenticate, close: unsubscribe };
}
