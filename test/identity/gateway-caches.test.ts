import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../core/bus/in-process-bus.js';
import { createLogger } from '../../core/logger.js';
import { AuthenticationError } from '../../gateway/authenticate.js';
import { createApiTokenAuthentication } from '../../gateway/api-token-authentication.js';
import { createCallerFacts } from '../../gateway/caller-facts.js';
import { API_TOKENS_REVOKED_CHANNEL, PRINCIPALS_CHANGED_CHANNEL } from '../../subgraphs/identity/identity-channels.js';
import type { ApiTokenCheckView, PrincipalFactsView } from '../../subgraphs/identity/client/identity-client.js';

/**
 * The gateway's caches of what identity says (API token checks, a caller's groups and standing),
 * against stand-ins for identity's answers that let the test decide when an answer arrives: the
 * race of an answer on its way while a change is announced, which no end-to-end test can time.
 * The end-to-end behaviour (two gateways, Redis, a real identity) is in api-tokens.test.ts.
 */
const TOKEN_ID = '0b7f6a52-3c1e-4f0e-9a51-2f3f4a5b6c7d';
const SECRET = 'hgt_the-secret';

function identityStandIn() {
  const state = { revoked: false, calls: 0, hold: null as Promise<void> | null };
  return {
    state,
    identity: {
      async checkApiToken(): Promise<ApiTokenCheckView> {
        state.calls++;
        // What identity read before the revocation committed…
        const valid = !state.revoked;
        // …arrives after the announcement.
        if (state.hold) await state.hold;
        return valid
          ? { valid: true, tokenId: TOKEN_ID, username: 'alice', scopes: ['sites:read'], expiresAt: null }
          : { valid: false, reason: 'The API token "deploy" was revoked (revoked by its owner); create a new one' };
      },
    },
  };
}

describe('the gateway’s API token cache', () => {
  const bus = new InProcessBus();
  afterEach(() => bus.close());

  it('answers from the cache, and forgets a token as soon as its revocation is announced', async () => {
    const { identity, state } = identityStandIn();
    const { authenticate, close } = await createApiTokenAuthentication({ identity, bus, cacheSeconds: 3600 });
    expect((await authenticate(SECRET)).username).toBe('alice');
    await authenticate(SECRET);
    expect(state.calls).toBe(1);

    state.revoked = true;
    await bus.publish(API_TOKENS_REVOKED_CHANNEL, { tokenIds: [TOKEN_ID] });
    await expect(authenticate(SECRET)).rejects.toThrow(new AuthenticationError('The API token "deploy" was revoked (revoked by its owner); create a new one'));
    expect(state.calls).toBe(2);
    await close();
  });

  it('does not trust a check that was on its way when the token was revoked', async () => {
    const { identity, state } = identityStandIn();
    const { authenticate, close } = await createApiTokenAuthentication({ identity, bus, cacheSeconds: 3600 });
    let arrive!: () => void;
    state.hold = new Promise((resolve) => (arrive = resolve));
    const checking = authenticate(SECRET);

    state.revoked = true;
    await bus.publish(API_TOKENS_REVOKED_CHANNEL, { tokenIds: [TOKEN_ID] });
    state.hold = null;
    arrive();

    await expect(checking).rejects.toThrow(/was revoked/);
    await expect(authenticate(SECRET)).rejects.toThrow(/was revoked/);
    await close();
  });
});

describe('the gateway’s cache of callers’ groups and standing', () => {
  const bus = new InProcessBus();
  afterEach(() => bus.close());

  it('does not keep facts that were on their way when a change was announced', async () => {
    const facts = { active: true, groups: ['webteam'] };
    let hold: Promise<void> | null = null;
    let calls = 0;
    const identity = {
      async principalFacts(): Promise<PrincipalFactsView> {
        calls++;
        const read = { known: true, ...facts };
        if (hold) await hold;
        return read;
      },
    };
    const { enrich, close } = await createCallerFacts({ identity, bus, adminGroups: [], devAdmins: [], cacheSeconds: 3600, logger: createLogger('silent') });
    const hank = { username: 'hank', groups: [], scopes: ['*'], admin: false, kind: 'user' as const };
    let arrive!: () => void;
    hold = new Promise((resolve) => (arrive = resolve));
    const asking = enrich(hank);

    // hank leaves while identity's answer is on its way.
    facts.active = false;
    await bus.publish(PRINCIPALS_CHANGED_CHANNEL, { usernames: ['hank'] });
    hold = null;
    arrive();
    expect((await asking).groups).toEqual(['webteam']);

    await expect(enrich(hank)).rejects.toThrow(new AuthenticationError('hank is no longer in the directory, so their access to Hostgraph has ended'));
    expect(calls).toBe(2);
    await close();
  });
});
