import type { Benchmark } from '../benchmark.js';
import { TOKENS } from '../../test/support/hostgraph-instance.js';
import type { RawRound } from '../support/autocannon-aggregate.js';
import { startChildInstance } from '../support/child-instance.js';
import { SEEDED_SITES, seedSites } from '../support/seed-sites.js';
import { directTarget, gatewayTarget, loadRound, summarizeRounds, type LoadTarget } from '../support/sites-page-load.js';

const WARM_UP_SECONDS = 3;
const ROUND_SECONDS = 4;
const ROUNDS = 3;
/** The gateway must keep at least this share of the subgraph's own throughput. */
const MIN_THROUGHPUT_RATIO = 60;

/**
 * `sites(first: 20)` from the database, once through the gateway (authentication, planning,
 * principal signing, a hop) and once straight to the hosting subgraph, against one server process.
 * The two sides take turns, in alternating order, so a noisy neighbour hurts both alike.
 */
export const gatewayOverhead: Benchmark = {
  name: 'gateway-overhead',
  description: `sites(first: 20) over ${SEEDED_SITES} sites: gateway vs hosting subgraph direct`,
  async run() {
    const instance = await startChildInstance();
    try {
      await seedSites(instance.url, TOKENS.admin);
      const gateway = gatewayTarget(instance.url, TOKENS.admin);
      const direct = await directTarget(instance.config, TOKENS.admin);
      for (const target of [gateway, direct]) await loadRound(target, WARM_UP_SECONDS);

      const rounds = new Map<LoadTarget, RawRound[]>([
        [gateway, []],
        [direct, []],
      ]);
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? [gateway, direct] : [direct, gateway];
        for (const target of order) rounds.get(target)!.push(await loadRound(target, ROUND_SECONDS));
      }
      const viaGateway = summarizeRounds(gateway, rounds.get(gateway)!);
      const straight = summarizeRounds(direct, rounds.get(direct)!);
      const ratio = (100 * viaGateway.requestsPerSecond) / straight.requestsPerSecond;
      return {
        measurements: [
          { label: 'gateway throughput', value: viaGateway.requestsPerSecond, unit: 'req/s' },
          { label: 'gateway latency p50', value: viaGateway.p50Ms, unit: 'ms' },
          { label: 'gateway latency p99', value: viaGateway.p99Ms, unit: 'ms' },
          { label: 'direct throughput', value: straight.requestsPerSecond, unit: 'req/s' },
          { label: 'direct latency p50', value: straight.p50Ms, unit: 'ms' },
          { label: 'direct latency p99', value: straight.p99Ms, unit: 'ms' },
          { label: 'gateway / direct throughput', value: ratio, unit: '%', target: { kind: 'atLeast', bound: MIN_THROUGHPUT_RATIO } },
          { label: 'gateway / direct latency p50', value: (100 * viaGateway.p50Ms) / straight.p50Ms, unit: '%' },
        ],
        details: {
          sites: SEEDED_SITES,
          warmUpSeconds: WARM_UP_SECONDS,
          roundSeconds: ROUND_SECONDS,
          rounds: ROUNDS,
          gateway: viaGateway,
          direct: straight,
          perRound: Object.fromEntries(
            [...rounds].map(([target, raws]) => [target.name, raws.map((raw) => ({ requests: raw.totalCompletedRequests, seconds: raw.duration }))]),
          ),
        },
      };
    } finally {
      await instance.stop();
    }
  },
};
