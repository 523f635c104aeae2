import type { Benchmark, Measurement } from '../benchmark.js';
import { ROLES, type Role } from '../../bin/start-roles.js';
import { TOKENS } from '../../test/support/hostgraph-instance.js';
import type { RawRound } from '../support/autocannon-aggregate.js';
import { startChildInstance, type ChildInstance } from '../support/child-instance.js';
import { processCpuMs } from '../support/process-cpu.js';
import { SEEDED_SITES, seedSites } from '../support/seed-sites.js';
import { directTarget, gatewayTarget, loadRound, summarizeRounds, type LoadSummary, type LoadTarget } from '../support/sites-page-load.js';

const WARM_UP_SECONDS = 3;
const ROUND_SECONDS = 4;
const ROUNDS = 3;
/** The gateway must keep at least this share of the subgraph's own throughput. */
const MIN_THROUGHPUT_RATIO = 60;

/** Every role but the gateway in one process, the gateway in another: how DESIGN scales out. */
const SPLIT: Role[][] = [ROLES.filter((role) => role !== 'gateway'), ['gateway']];

interface Side {
  summary: LoadSummary;
  /** CPU milliseconds per request of each process, during this side's rounds. */
  cpuMsPerRequest: number[];
}

/**
 * Alternating rounds of `sites(first: 20)` through the gateway and straight to the hosting
 * subgraph (with the principal the gateway would sign), so a noisy neighbour hurts both alike.
 */
async function compare(instance: ChildInstance): Promise<{ gateway: Side; direct: Side }> {
  await seedSites(instance.url, TOKENS.admin);
  const gateway = gatewayTarget(instance.url, TOKENS.admin);
  const direct = await directTarget(instance.config, TOKENS.admin);
  for (const target of [gateway, direct]) await loadRound(target, WARM_UP_SECONDS);
  const pids = instance.processes.map((process) => process.pid);
  const rounds = new Map<LoadTarget, { raw: RawRound; cpuMs: number[] }[]>([
    [gateway, []],
    [direct, []],
  ]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of round % 2 === 0 ? [gateway, direct] : [direct, gateway]) {
      const before = pids.map(processCpuMs);
      const raw = await loadRound(target, ROUND_SECONDS);
      rounds.get(target)!.push({ raw, cpuMs: pids.map((pid, i) => processCpuMs(pid) - before[i]!) });
    }
  }
  const side = (target: LoadTarget): Side => {
    const done = rounds.get(target)!;
    const summary = summarizeRounds(target, done.map(({ raw }) => raw));
    return { summary, cpuMsPerRequest: pids.map((_, i) => done.reduce((sum, { cpuMs }) => sum + cpuMs[i]!, 0) / summary.requests) };
  };
  return { gateway: side(gateway), direct: side(direct) };
}

const measurementsOf = (topology: string, { gateway, direct }: { gateway: Side; direct: Side }, target: boolean): Measurement[] => [
  { label: `${topology}: gateway throughput`, value: gateway.summary.requestsPerSecond, unit: 'req/s' },
  { label: `${topology}: gateway latency p50 / p99`, value: gateway.summary.p50Ms, unit: `ms / ${gateway.summary.p99Ms} ms` },
  { label: `${topology}: direct throughput`, value: direct.summary.requestsPerSecond, unit: 'req/s' },
  { label: `${topology}: direct latency p50 / p99`, value: direct.summary.p50Ms, unit: `ms / ${direct.summary.p99Ms} ms` },
  {
    label: `${topology}: gateway / direct throughput`,
    value: (100 * gateway.summary.requestsPerSecond) / direct.summary.requestsPerSecond,
    unit: '%',
    ...(target ? { target: { kind: 'atLeast' as const, bound: MIN_THROUGHPUT_RATIO } } : {}),
  },
];

/**
 * The gateway's cost in two topologies. All-in-one (`npm start`): gateway and subgraph share one
 * thread, so what the gateway adds per request is taken straight from the subgraph. Split (the
 * scale-out of DESIGN): the gateway has a process of its own, and its CPU per request, against the
 * subgraph's, is the overhead the machine's noise distorts least.
 */
export const gatewayOverhead: Benchmark = {
  name: 'gateway-overhead',
  description: `sites(first: 20) over ${SEEDED_SITES} sites: gateway vs hosting subgraph direct, all-in-one and split`,
  async run() {
    const allInOne = await startChildInstance();
    const together = await compare(allInOne).finally(() => allInOne.stop());
    const split = await startChildInstance({ processes: SPLIT });
    const apart = await compare(split).finally(() => split.stop());
    const [backendCpu, gatewayCpu] = apart.gateway.cpuMsPerRequest;
    return {
      measurements: [
        ...measurementsOf('all-in-one', together, true),
        ...measurementsOf('split', apart, true),
        { label: 'split: gateway process CPU per request', value: gatewayCpu!, unit: 'ms' },
        { label: 'split: subgraph process CPU per request', value: backendCpu!, unit: 'ms' },
        { label: 'split: gateway CPU / subgraph CPU', value: (100 * gatewayCpu!) / backendCpu!, unit: '%' },
      ],
      details: { sites: SEEDED_SITES, warmUpSeconds: WARM_UP_SECONDS, roundSeconds: ROUND_SECONDS, rounds: ROUNDS, allInOne: together, split: apart },
    };
  },
};
