import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetricsDatabase } from '../../subgraphs/metrics/metrics-database.js';
import { DATABASES } from '../identity/identity-fixture.js';
import { eventually } from '../support/eventually.js';
import { query } from '../support/graphql-client.js';
import { TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createRunningSite, sendLines, startMetricsInstance } from './metrics-fixture.js';

const SERIES = `query ($id: ID!, $names: [String!]!, $from: DateTimeISO!, $to: DateTimeISO!, $step: Int!) {
  site(id: $id) { metrics(names: $names, from: $from, to: $to, step: $step) { name resolution start step values points { at value min max last count } } }
}`;

const HOUR = 3_600_000;

describe.each(DATABASES)('rollups and retention on $name', ({ database }) => {
  let instance: Instance;
  let drop: () => Promise<void>;
  let site: Awaited<ReturnType<typeof createRunningSite>>;
  // The start of an hour three hours ago: older than the one hour of raw points this instance keeps.
  const t0 = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;

  const read = async (step: number, from: number, to: number) => {
    const { site: answer } = await query(
      instance.url,
      SERIES,
      { id: site.siteId, names: ['disk.used'], from: new Date(from).toISOString(), to: new Date(to).toISOString(), step },
      TOKENS.alice,
    );
    return answer.metrics[0];
  };

  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    instance = await startMetricsInstance({ database: db.url, metrics: { rawRetentionHours: 1 } });
    site = await createRunningSite(instance.url, 'rollups');
    const at = (ms: number) => ((t0 + ms) / 1000).toFixed(3);
    // A sender catching up: two minutes of points from three hours ago, and one point now.
    await sendLines(instance.config.metrics.graphite.port, [
      `${site.hostName}.disk.used 1 ${at(0)}`,
      `${site.hostName}.disk.used 3 ${at(20_000)}`,
      `${site.hostName}.disk.used 2 ${at(10_000)}`,
      `${site.hostName}.disk.used 10 ${at(60_000)}`,
      `${site.hostName}.disk.used 20 ${at(70_000)}`,
      `${site.hostName}.disk.used 42 ${(Date.now() / 1000).toFixed(3)}`,
    ]);
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
  });

  it('rolls late points into 1-minute buckets with min, max, avg and last, and reads them for minute steps', async () => {
    const minutes = await eventually(async () => {
      const series = await read(60, t0, t0 + 2 * 60_000);
      expect(series?.points).toHaveLength(2);
      return series;
    });
    expect(minutes).toMatchObject({ resolution: 60, start: new Date(t0).toISOString(), step: 60, values: [2, 15] });
    expect(minutes.points).toEqual([
      { at: new Date(t0).toISOString(), value: 2, min: 1, max: 3, last: 3, count: 3 },
      { at: new Date(t0 + 60_000).toISOString(), value: 15, min: 10, max: 20, last: 20, count: 2 },
    ]);
  });

  it('rolls minutes into hours, and answers hour steps from them', async () => {
    const hours = await eventually(async () => {
      const series = await read(3600, t0, t0 + HOUR);
      expect(series?.points[0]?.count).toBe(5);
      return series;
    });
    expect(hours.resolution).toBe(3600);
    expect(hours.points).toEqual([{ at: new Date(t0).toISOString(), value: 7.2, min: 1, max: 20, last: 20, count: 5 }]);
  });

  it('deletes raw points past the raw window once rolled up, and serves fine steps from rollups there', async () => {
    const orm = await openMetricsDatabase(instance.config.databaseUrl);
    try {
      await eventually(async () => {
        const [row] = (await orm.em.fork().getConnection().execute('select count(*) as n from metric_points where at < ?', [Date.now() - HOUR])) as { n: number }[];
        expect(Number(row!.n)).toBe(0);
      });
    } finally {
      await orm.close();
    }
    // A 10 s step that far back comes from the minutes (the raw points are gone), aligned to 10 s.
    const old = await read(10, t0, t0 + 2 * 60_000);
    expect(old.resolution).toBe(60);
    expect(old.points.map((point: { at: string; count: number }) => [point.at, point.count])).toEqual([
      [new Date(t0).toISOString(), 3],
      [new Date(t0 + 60_000).toISOString(), 2],
    ]);
    // The recent point is still raw.
    const from = Math.floor((Date.now() - 10 * 60_000) / 10_000) * 10_000;
    const recent = await read(10, from, from + 11 * 60_000);
    expect(recent).toMatchObject({ resolution: 0, points: [{ value: 42, count: 1 }] });
    // The dense form: a value for every 10 s of the 11 minutes, null where nothing was sent.
    expect(recent.values).toHaveLength(66);
    expect(recent.values.filter((value: number | null) => value !== null)).toEqual([42]);
  });
});
