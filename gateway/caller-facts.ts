import type { Bus, Unsubscribe } from '../core/bus/bus.js';
import type { Logger } from '../core/logger.js';
import type { Principal } from '../core/principal.js';
import type { IdentityClient, PrincipalFactsView } from '../subgraphs/identity/client/identity-client.js';
import { PRINCIPALS_CHANGED_CHANNEL, type PrincipalsChanged } from '../subgraphs/identity/identity-channels.js';
import { AuthenticationError, type EnrichPrincipal } from './authenticate.js';

export interface CallerFactsOptions {
  identity: Pick<IdentityClient, 'principalFacts'>;
  bus: Bus;
  adminGroups: readonly string[];
  /** People whose dev token makes them platform admins; their API tokens may act as admins too. */
  devAdmins: readonly string[];
  cacheSeconds: number;
  logger: Logger;
}

interface Cached {
  facts: PrincipalFactsView;
  fetchedAt: number;
}

/** Past its time a cached answer is still used while identity cannot be reached, up to this age. */
const STALE_LIMIT_MS = 15 * 60_000;

/**
 * Completes a caller's principal with what identity knows: every group (nested ones followed) and
 * whether they are still active; platform admin follows from the groups. Answers are cached for a
 * few seconds per person, and dropped at once when identity announces a change on the bus, so a
 * group change or a departure reaches every gateway replica within moments. An answer that was on
 * its way when a change was announced serves the request that asked, and is not kept.
 */
export async function createCallerFacts(options: CallerFactsOptions): Promise<{ enrich: EnrichPrincipal; close: () => Promise<void> }> {
  const { identity, adminGroups, cacheSeconds, logger } = options;
  const cache = new Map<string, Cached>();
  const pending = new Map<string, Promise<PrincipalFactsView>>();
  /** How many changes were announced per person: an answer fetched before the latest is not kept. */
  const changes = new Map<string, number>();
  const unsubscribe: Unsubscribe = await options.bus.subscribe(PRINCIPALS_CHANGED_CHANNEL, (message) => {
    for (const username of (message as PrincipalsChanged).usernames ?? []) {
      cache.delete(username);
      // A request on its way may have read the old facts: later callers ask again.
      pending.delete(username);
      changes.set(username, (changes.get(username) ?? 0) + 1);
    }
  });

  const fetchFacts = (username: string) => {
    let request = pending.get(username);
    if (!request) {
      // One request per person at a time, however many of their requests arrive together.
      const started = identity.principalFacts(username).finally(() => {
        if (pending.get(username) === started) pending.delete(username);
      });
      request = started;
      pending.set(username, request);
    }
    return request;
  };

  const factsOf = async (username: string): Promise<PrincipalFactsView | null> => {
    const cached = cache.get(username);
    const now = Date.now();
    if (cached && now - cached.fetchedAt < cacheSeconds * 1000) return cached.facts;
    const changesBefore = changes.get(username) ?? 0;
    try {
      const facts = await fetchFacts(username);
      if ((changes.get(username) ?? 0) === changesBefore) cache.set(username, { facts, fetchedAt: now });
      return facts;
    } catch (error) {
      if (cached && now - cached.fetchedAt < STALE_LIMIT_MS) return cached.facts;
      // Without identity the caller keeps what their token says; nothing more is granted.
      logger.warn({ err: error, username }, 'identity unreachable; principal not enriched');
      return null;
    }
  };

  const enrich: EnrichPrincipal = async (principal: Principal) => {
    if (principal.kind === 'service') return principal;
    const facts = await factsOf(principal.username);
    if (!facts) return principal;
    if (facts.known && !facts.active) {
      throw new AuthenticationError(`${principal.username} is no longer in the directory, so their access to Hostgraph has ended`);
    }
    const groups = [...new Set([...principal.groups, ...facts.groups])].sort();
    const adminByGroup = groups.some((group) => adminGroups.includes(group));
    const admin =
      principal.kind === 'token'
        ? principal.scopes.includes('admin') && (adminByGroup || options.devAdmins.includes(principal.username))
        : principal.admin || adminByGroup;
    return { ...principal, groups, admin };
  };

  return { enrich, close: unsubscribe };
}
