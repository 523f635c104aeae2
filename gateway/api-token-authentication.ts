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

/** Revocations are remembered at least this long: longer than any check can take (the client's timeout is 5 s). */
const REVOKED_MEMORY_MS = 60_000;

/**
 * API tokens are checked by identity (which keeps only their hashes) and the answer cached here
 * for a few seconds. A revocation is announced on the bus and evicts the token at once on every
 * gateway; the cache time bounds how long a lost announcement could keep a token alive. A check
 * already on its way when the announcement arrives may still say "valid": such an answer is not
 * trusted, the token is checked again.
 */
export async function createApiTokenAuthentication(options: {
  identity: Pick<IdentityClient, 'checkApiToken'>;
  bus: Bus;
  cacheSeconds: number;
}): Promise<{ authenticate: AuthenticateApiToken; close: () => Promise<void> }> {
  const cache = new Map<string, Cached>();
  /** Token id → when it was announced revoked. */
  const revoked = new Map<string, number>();
  const unsubscribe: Unsubscribe = await options.bus.subscribe(API_TOKENS_REVOKED_CHANNEL, (message) => {
    const now = Date.now();
    for (const [id, at] of revoked) if (now - at > Math.max(REVOKED_MEMORY_MS, options.cacheSeconds * 1000)) revoked.delete(id);
    const ids = new Set((message as ApiTokensRevoked).tokenIds ?? []);
    for (const id of ids) revoked.set(id, now);
    for (const [hash, cached] of cache) if (ids.has(cached.principal.tokenId!)) cache.delete(hash);
  });

  const check = async (hash: string) => {
    try {
      return await options.identity.checkApiToken(hash);
    } catch (error) {
      if (error instanceof HostgraphError && error.extensions.code === 'SERVICE_UNAVAILABLE') {
        throw new IdentityProviderUnavailable(`API tokens cannot be checked right now: ${error.message}`);
      }
      throw error;
    }
  };

  const authenticate: AuthenticateApiToken = async (secret) => {
    const hash = hashTokenSecret(secret);
    const now = Date.now();
    const cached = cache.get(hash);
    if (cached && now < cached.until) return cached.principal;
    cache.delete(hash);
    let answer = await check(hash);
    // Revoked while the check was on its way: identity has committed it by now, so it says so.
    if (answer.valid && revoked.has(answer.tokenId)) answer = await check(hash);
    if (!answer.valid) throw new AuthenticationError(answer.reason);
    const principal: Principal = { username: answer.username, groups: [], scopes: answer.scopes, admin: false, kind: 'token', tokenId: answer.tokenId };
    const expires = answer.expiresAt ? Date.parse(answer.expiresAt) : Infinity;
    if (!revoked.has(answer.tokenId)) cache.set(hash, { principal, until: Math.min(now + options.cacheSeconds * 1000, expires) });
    return principal;
  };

  return { authenticate, close: unsubscribe };
}
