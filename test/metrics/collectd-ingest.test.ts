import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectd, type Collectd } from '../support/collectd.js';
import { eventually } from '../support/eventually.js';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createRunningSite, startMetricsInstance } from './metrics-fixture.js';

const SERIES = `query ($id: ID!, $names: [String!]!, $from: DateTimeISO!, $to: DateTimeISO!) {
  site(id: $id) {
    metricNames
    metrics(names: $names, from: $from, to: $to, step: 10) { name resolution vm { id name } points { at value min max last count } }
    vm { metrics(names: $names, from: $from, to: $to, step: 60) { name resolution points { at value count } } }
  }
}`;

describe('a real collectd sending to the Graphite listener', () => {
  let instance: Instance;
  let collectd: Collectd | undefined;
  let site: Awaited<ReturnType<typeof createRunningSite>>;

  beforeAll(async () => {
    instance = await startMetricsInstance({ metrics: { graphitePrefixDepth: 1 } });
    site = await createRunningSite(instance.url, 'collectd-web');
    collectd = await startCollectd({ hostname: site.hostName, port: instance.config.metrics.graphite.port, prefix: 'collectd.', interval: 1 });
  });
  afterAll(async () => {
    await collectd?.stop();
    await instance?.close();
  });

  it("files collectd's load and memory under the site of the VM named like its host", async () => {
    const { metricNames } = await eventually(
      async () => {
        const data = await query(instance.url, 'query ($siteId: ID!) { metricNames(siteId: $siteId) }', { siteId: site.siteId }, TOKENS.alice);
        expect(data.metricNames).toEqual(expect.arrayContaining(['load.load.shortterm', 'memory.memory-used']));
        return data;
      },
      { timeoutMs: 30_000 },
    ).catch((error) => {
      throw new Error(`${error.message}\ncollectd said: ${collectd?.log()}`);
    });
    expect(metricNames.every((name: string) => !name.startsWith('collectd'))).toBe(true);

    const from = new Date(Date.now() - 10 * 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const names = ['load.load.shortterm', 'memory.memory-used'];
    const { site: answer } = await eventually(async () => {
      const data = await query(instance.url, SERIES, { id: site.siteId, names, from, to }, TOKENS.alice);
      expect(data.site.metrics.find((s: any) => s.name === 'memory.memory-used')?.points.length).toBeGreaterThanOrEqual(2);
      return data;
    }, { timeoutMs: 30_000 });

    const memory = answer.metrics.find((series: any) => series.name === 'memory.memory-used');
    expect(memory).toMatchObject({ resolution: 0, vm: { id: site.vmId, name: site.hostName } });
    for (const point of memory.points) {
      // Aligned to the 10 s step, and a step's summary is consistent with its points.
      expect(Date.parse(point.at) % 10_000).toBe(0);
      expect(point.min).toBeLessThanOrEqual(point.value);
      expect(point.max).toBeGreaterThanOrEqual(point.value);
      expect(point.value).toBeGreaterThan(0);
    }
    expect(answer.vm.metrics.map((series: any) => series.name).sort()).toEqual(names.slice().sort());
    expect(answer.vm.metrics.every((series: any) => series.resolution === 60)).toBe(true);
  });

  it('refuses the metrics of a site to someone who may not see the site, in hosting’s words', async () => {
    const names = await graphql(instance.url, 'query ($siteId: ID!) { metricNames(siteId: $siteId) }', { siteId: site.siteId }, TOKENS.bob);
    expect(errorCodes(names.body)).toEqual(['FORBIDDEN']);
    expect(names.body.errors![0]!.message).toMatch(/no access to site collectd-web/);
    const admin = await query(instance.url, 'query ($siteId: ID!) { metricNames(siteId: $siteId) }', { siteId: site.siteId }, TOKENS.admin);
    expect(admin.metricNames.length).toBeGreaterThan(0);
  });
});
