import autocannon from 'autocannon';
import type { Config } from '../../core/config.js';
import { PRINCIPAL_HEADER, signPrincipal } from '../../core/principal.js';
import { createAuthenticator } from '../../gateway/authenticate.js';
import { aggregateRounds, type RawRound } from './autocannon-aggregate.js';

/** The first page of a site list, as a dashboard asks for it. */
export const SITES_PAGE_QUERY = `{ sites(first: 20) { totalCount edges { cursor node { id name state vmRef flavor { name vcpus memoryMiB diskGiB } } } pageInfo { hasNextPage endCursor } } }`;

/** Concurrent keep-alive connections, as a few busy clients behind one load balancer would hold. */
const CONNECTIONS = 10;

/** Where the load goes and with which credentials; headers are made per round (signatures expire). */
export interface LoadTarget {
  name: string;
  url: string;
  headers(): Record<string, string>;
}

export const gatewayTarget = (url: string, token: string): LoadTarget => ({
  name: 'gateway',
  url,
  headers: () => ({ authorization: `Bearer ${token}` }),
});

/**
 * The hosting subgraph asked directly, with the principal the gateway would sign for the same
 * token: what the gateway adds is then the only difference between the two targets.
 */
export async function directTarget(config: Config, token: string): Promise<LoadTarget> {
  const principal = await createAuthenticator(config)(`Bearer ${token}`);
  return {
    name: 'direct',
    url: config.subgraphs.hosting.url,
    headers: () => ({ [PRINCIPAL_HEADER]: signPrincipal(principal, config.principalSecret) }),
  };
}

const optionsFor = (target: LoadTarget, seconds: number): autocannon.Options => ({
  url: target.url,
  method: 'POST',
  connections: CONNECTIONS,
  duration: seconds,
  headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...target.headers() },
  body: JSON.stringify({ query: SITES_PAGE_QUERY }),
  // A fast error is not a fast answer: a page with errors, or without the next page, counts as a mismatch.
  verifyBody: (body) => {
    const text = String(body);
    return text.includes('"hasNextPage":true') && !text.includes('"errors"');
  },
});

/** One stretch of load; throws when any answer was not a full page, since its timings would mean nothing. */
export async function loadRound(target: LoadTarget, seconds: number): Promise<RawRound> {
  const options = { ...optionsFor(target, seconds), skipAggregateResult: true };
  const round = (await autocannon(options)) as unknown as RawRound;
  const failed = round.errors + round.timeouts + round.mismatches + round.non2xx;
  if (failed > 0 || round.totalCompletedRequests === 0) {
    throw new Error(
      `${target.name} (${target.url}) answered ${round.totalCompletedRequests} requests with ${round.non2xx} non-2xx, ` +
        `${round.mismatches} without a full page, ${round.errors} connection errors and ${round.timeouts} timeouts`,
    );
  }
  return round;
}

export interface LoadSummary {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Rounds of one target merged: total requests over total time, latency percentiles of every request. */
export function summarizeRounds(target: LoadTarget, rounds: RawRound[]): LoadSummary {
  const merged = aggregateRounds(rounds, { url: target.url, connections: CONNECTIONS });
  const requests = rounds.reduce((sum, round) => sum + round.totalCompletedRequests, 0);
  const seconds = rounds.reduce((sum, round) => sum + round.duration, 0);
  return { requests, seconds, requestsPerSecond: requests / seconds, p50Ms: merged.latency.p50, p99Ms: merged.latency.p99 };
}
