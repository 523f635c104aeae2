import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { query } from '../support/graphql-client.js';
import { TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createRunningSite, metricsEndpointOf, promValue, sendLines, startMetricsInstance } from './metrics-fixture.js';

const COUNT = `query ($id: ID!, $names: [String!]!, $from: DateTimeISO!, $to: DateTimeISO!) {
  site(id: $id) { metrics(names: $names, from: $from, to: $to, step: 10) { name points { count value } } }
}`;

/** How many points of `name` the site has in the last hour, and their values. */
async function stored(instance: Instance, siteId: string, name: string) {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const { site } = await query(instance.url, COUNT, { id: siteId, names: [name], from, to }, TOKENS.alice);
  const points = site.metrics[0]?.points ?? [];
  return points.reduce((sum: number, point: { count: number }) => sum + point.count, 0) as number;
}

const scrape = async (instance: Instance) => (await fetch(metricsEndpointOf(instance))).text();

describe('the Graphite listener', () => {
  let instance: Instance;
  let quiet: Awaited<ReturnType<typeof createRunningSite>>;
  let noisy: Awaited<ReturnType<typeof createRunningSite>>;
  let port: number;

  beforeAll(async () => {
    // Small batches and a small buffer per sender, so a flood is many batches long.
    instance = await startMetricsInstance({ metrics: { batchSize: 500, perConnectionBuffer: 1000 } });
    port = instance.config.metrics.graphite.port;
    quiet = await createRunningSite(instance.url, 'quiet');
    noisy = await createRunningSite(instance.url, 'noisy');
  });
  afterAll(async () => {
    await instance?.close();
  });

  it('counts and skips malformed lines, keeps the good ones on the same connection, and goes on listening', async () => {
    const before = await scrape(instance);
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      'hello',
      `${quiet.hostName}.cpu notanumber ${now}`,
      `${quiet.hostName}.cpu 1`,
      `${quiet.hostName}.cpu 1 yesterday`,
      `${quiet.hostName}..cpu 1 ${now}`,
      `${quiet.hostName} 1 ${now}`,
      `${quiet.hostName}.cpu nan ${now}`,
      `${'x'.repeat(5000)} 1 ${now}`,
    ];
    const good = [0, 1, 2].map((i) => `${quiet.hostName}.proto.good ${i} ${now - 30 + i * 10}`);
    await sendLines(port, [good[0]!, ...bad.slice(0, 4), good[1]!, ...bad.slice(4), good[2]!, `unknown-host-${now}.x 1 ${now}`]);
    await eventually(async () => expect(await stored(instance, quiet.siteId, 'proto.good')).toBe(3));
    const after = await scrape(instance);
    const delta = (outcome: string) => promValue(after, 'hostgraph_graphite_lines_total', { outcome }) - promValue(before, 'hostgraph_graphite_lines_total', { outcome });
    expect(delta('malformed')).toBe(bad.length);
    expect(delta('accepted')).toBe(4);
    expect(delta('unknown_host')).toBe(1);
    // A new connection after all that is served as ever.
    await sendLines(port, [`${quiet.hostName}.proto.later 7 ${now}`]);
    await eventually(async () => expect(await stored(instance, quiet.siteId, 'proto.later')).toBe(1));
  });

  it("does not let one sender's flood starve another: the quiet sender is stored while the flood is still being written", async () => {
    const flood = 200_000;
    const base = Date.now() - 30 * 60_000;
    const storedBefore = promValue(await scrape(instance), 'hostgraph_metric_points_stored_total');
    const lines = Array.from({ length: flood }, (_, i) => `${noisy.hostName}.flood.points ${i} ${((base + i) / 1000).toFixed(3)}`);
    const flooder = new Promise<void>((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => socket.end(lines.join('\n') + '\n'));
      socket.once('error', reject);
      socket.once('close', () => resolve());
    });
    // The flood is under way (paused for backpressure) before the quiet sender speaks.
    await eventually(async () => expect(promValue(await scrape(instance), 'hostgraph_graphite_paused_connections')).toBeGreaterThan(0), { intervalMs: 5 });
    const now = Math.floor(Date.now() / 1000);
    await sendLines(port, Array.from({ length: 20 }, (_, i) => `${quiet.hostName}.fair.points ${i} ${now - 200 + i * 10}`));
    await eventually(async () => expect(await stored(instance, quiet.siteId, 'fair.points')).toBe(20), { intervalMs: 5 });
    const storedWhenQuietDone = promValue(await scrape(instance), 'hostgraph_metric_points_stored_total') - storedBefore;
    expect(storedWhenQuietDone).toBeLessThan(flood);
    await flooder;
    // And nothing of the flood is lost: every point is written in the end.
    await eventually(async () => expect(promValue(await scrape(instance), 'hostgraph_metric_points_stored_total') - storedBefore).toBe(flood + 20), { timeoutMs: 60_000 });
  });
});
