import type { Benchmark, Measurement } from '../benchmark.js';
import { TOKENS } from '../../test/support/hostgraph-instance.js';
import { query } from '../../test/support/graphql-client.js';
import { eventually } from '../../test/support/eventually.js';
import { promValue } from '../../test/metrics/metrics-fixture.js';
import { startChildInstance, type ChildInstance } from '../support/child-instance.js';
import { percentile } from '../support/percentile.js';
import { GraphiteSender } from './graphite-sender.js';

const SENDERS = 50;
const HOSTS = 10;
const SERIES_PER_SENDER = 20;
/** Offered points per second in total, each for ROUND_SECONDS; the ladder stops once the server falls far behind. */
const RATES = [2_500, 5_000, 10_000, 15_000, 20_000, 30_000, 40_000, 80_000];
const ROUND_SECONDS = 10;
/** The server keeps up with a rate when it has written the round's last point this soon after it was sent. */
const KEEP_UP_SECONDS = 3;
const QUERY_SERIES = 100;
const QUERY_ROUNDS = 30;

const CREATE = 'mutation ($name: String!) { createSite(input: { name: $name, flavor: "small" }) { siteId } }';
const VM = 'query ($id: ID!) { site(id: $id) { state vm { name } } }';

async function createSites(instance: ChildInstance, count: number) {
  const sites: { siteId: string; host: string }[] = [];
  for (let i = 0; i < count; i++) {
    const { createSite } = await query(instance.url, CREATE, { name: `ingest-${i}` }, TOKENS.admin);
    const site = await eventually(async () => {
      const { site: found } = await query(instance.url, VM, { id: createSite.siteId }, TOKENS.admin);
      if (found.state !== 'RUNNING') throw new Error('not running yet');
      return found;
    });
    sites.push({ siteId: createSite.siteId, host: site.vm.name });
  }
  return sites;
}

/** Waits until the server has written everything it received, and says how many points it stored in all. */
async function drained(metricsUrl: string): Promise<number> {
  let last = -1;
  for (;;) {
    const text = await (await fetch(metricsUrl)).text();
    const stored = promValue(text, 'hostgraph_metric_points_stored_total');
    if (promValue(text, 'hostgraph_graphite_pending_points') === 0 && stored === last) return stored;
    last = stored;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Graphite ingest: 50 senders (10 hosts, 20 series each) at rising rates; per round the points
 * offered, those the senders had to drop under backpressure, and those stored. Then a dashboard's
 * heaviest read: 24 hours of 100 series at a 1-minute step, through the gateway.
 */
export const metricsIngest: Benchmark = {
  name: 'metrics-ingest',
  description: `Graphite points/s from ${SENDERS} senders with loss; a 24 h, 1-minute query over ${QUERY_SERIES} series`,
  async run() {
    const instance = await startChildInstance({ settings: { metrics: { rollupSchedule: '*/5 * * * * *' } } });
    try {
      const metricsUrl = instance.config.subgraphs.metrics.url.replace(/graphql$/, 'metrics');
      const port = instance.config.metrics.graphite.port;
      const sites = await createSites(instance, HOSTS + 1);
      const senders = Array.from(
        { length: SENDERS },
        (_, i) => new GraphiteSender(port, sites[i % HOSTS]!.host, Array.from({ length: SERIES_PER_SENDER }, (_, j) => `bench.sender${i}.m${j}`)),
      );
      await Promise.all(senders.map((sender) => sender.connect()));

      const rounds = [];
      let base = Date.now() - 6 * 3_600_000;
      let storedBefore = await drained(metricsUrl);
      for (const rate of RATES) {
        const started = performance.now();
        const results = await Promise.all(senders.map((sender) => sender.send(rate / SENDERS, ROUND_SECONDS, base)));
        const sent = performance.now();
        const storedAfter = await drained(metricsUrl);
        const seconds = (performance.now() - started) / 1000;
        const catchUpSeconds = (performance.now() - sent) / 1000;
        const offered = results.reduce((sum, r) => sum + r.offered, 0);
        const dropped = results.reduce((sum, r) => sum + r.dropped, 0);
        const stored = storedAfter - storedBefore;
        storedBefore = storedAfter;
        base += 3_600_000;
        rounds.push({ rate, offered, dropped, stored, lost: offered - stored, seconds, catchUpSeconds, storedPerSecond: stored / seconds });
        console.log(`  ${rate} points/s offered: ${stored} of ${offered} stored (${offered - stored} lost), the last ${catchUpSeconds.toFixed(1)} s after it was sent`);
        // Far behind: the rounds after this one would only measure the same ceiling, more slowly.
        if (catchUpSeconds > 4 * ROUND_SECONDS) break;
      }
      await Promise.all(senders.map((sender) => sender.close()));
      const keptUp = rounds.filter((round) => round.lost === 0 && round.catchUpSeconds <= KEEP_UP_SECONDS);
      const limit = keptUp.at(-1)?.rate ?? 0;
      const best = Math.max(...rounds.map((round) => round.storedPerSecond));
      const lostInAll = rounds.reduce((sum, round) => sum + round.lost, 0);

      // 24 hours of 100 series, a point a minute, sent by one host catching up, then rolled up.
      const querySite = sites[HOSTS]!;
      const names = Array.from({ length: QUERY_SERIES }, (_, j) => `dash.m${j}`);
      const dayAgo = Math.floor((Date.now() - 86_400_000) / 60_000) * 60_000;
      const history = new GraphiteSender(port, querySite.host, names);
      await history.connect();
      const minutes = 1440;
      let sent = 0;
      for (let minute = 0; minute < minutes; minute += 60) {
        const lines: string[] = [];
        for (let m = minute; m < Math.min(minutes, minute + 60); m++) for (const name of names) lines.push(`${querySite.host}.${name} ${m % 50} ${(dayAgo + m * 60_000) / 1000}`);
        sent += lines.length;
        await history.writeAll(lines);
      }
      await history.close();
      await drained(metricsUrl);
      const METRICS = `query ($id: ID!, $names: [String!]!, $from: DateTimeISO!, $to: DateTimeISO!) {
        site(id: $id) { metrics(names: $names, from: $from, to: $to, step: 60) { name resolution start step values } } }`;
      const variables = () => ({ id: querySite.siteId, names, from: new Date(dayAgo).toISOString(), to: new Date().toISOString() });
      // The rollups have caught up once a query is answered from them with every minute in it.
      await eventually(async () => {
        const { site } = await query(instance.url, METRICS, variables(), TOKENS.admin);
        const full = (series: { values: (number | null)[] }) => series.values.filter((value) => value !== null).length >= minutes;
        if (site.metrics.length !== QUERY_SERIES || !site.metrics.every(full)) throw new Error('not all there yet');
      }, { timeoutMs: 120_000, intervalMs: 1000 });
      const latencies: number[] = [];
      let points = 0;
      for (let i = 0; i < QUERY_ROUNDS; i++) {
        const started = performance.now();
        const { site } = await query(instance.url, METRICS, variables(), TOKENS.admin);
        latencies.push(performance.now() - started);
        points = site.metrics.reduce((sum: number, series: { values: unknown[] }) => sum + series.values.length, 0);
      }

      const measurements: Measurement[] = [
        { label: `highest rate kept up with (stored ≤ ${KEEP_UP_SECONDS} s after sent, none lost)`, value: limit, unit: 'points/s', target: { kind: 'atLeast', bound: 5_000 } },
        { label: `lost up to ${limit} points/s`, value: keptUp.reduce((sum, round) => sum + round.lost, 0), unit: 'points', target: { kind: 'below', bound: 1 } },
        { label: 'lost in every round, over the limit too', value: lostInAll, unit: 'points' },
        { label: 'best sustained stored rate', value: best, unit: 'points/s' },
        { label: `24 h × ${QUERY_SERIES} series @ 1 min, p50`, value: percentile(latencies, 50), unit: 'ms' },
        { label: `24 h × ${QUERY_SERIES} series @ 1 min, p99`, value: percentile(latencies, 99), unit: 'ms', target: { kind: 'below', bound: 2000 } },
      ];
      return { measurements, details: { senders: SENDERS, hosts: HOSTS, seriesPerSender: SERIES_PER_SENDER, roundSeconds: ROUND_SECONDS, rounds, query: { series: QUERY_SERIES, historyPoints: sent, pointsPerAnswer: points, latenciesMs: latencies } } };
    } finally {
      await instance.stop();
    }
  },
};
