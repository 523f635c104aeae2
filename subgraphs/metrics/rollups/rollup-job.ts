import type { MikroORM } from '@mikro-orm/core';
import type { MetricsConfig } from '../../../core/config.js';
import type { Logger } from '../../../core/logger.js';
import { HOUR, LATENESS_MS, MINUTE } from './resolutions.js';

const floorTo = (ms: number, seconds: number) => Math.floor(ms / (seconds * 1000)) * seconds * 1000;

/**
 * Rolls raw points into 1-minute buckets and those into 1-hour buckets (min, max, sum, count,
 * last), then deletes what is past its retention. Set-based SQL, one statement per step, the same
 * on SQLite and PostgreSQL. Buckets from the last run's watermark less the allowed lateness are
 * computed again, so a late point is counted and a second scheduler does no harm; the writer moves
 * the watermark back when it stores points older than it (a sender catching up). Raw points and
 * minutes are only deleted once rolled up.
 */
export class RollupJob {
  constructor(
    private readonly orm: MikroORM,
    private readonly config: MetricsConfig,
    private readonly logger: Logger,
  ) {}

  async run(now = Date.now()): Promise<{ minutes: number; hours: number; deleted: number }> {
    const em = this.orm.em.fork();
    const connection = em.getConnection();
    const progress = async (resolution: number) =>
      Number(((await connection.execute('select rolled_until from metric_rollup_progress where resolution = ?', [resolution])) as { rolled_until: number }[])[0]?.rolled_until ?? 0);
    // Unless the writer stored older points meanwhile and moved the watermark back: then the next run looks back too.
    const advance = (resolution: number, until: number, readAt: number) =>
      connection.execute('update metric_rollup_progress set rolled_until = ? where resolution = ? and rolled_until >= ?', [until, resolution, readAt]);
    const upsert = 'on conflict (series_id, resolution, bucket) do update set min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count, last = excluded.last, last_at = excluded.last_at';
    const changed = (result: unknown) => Number((result as { affectedRows?: number; rowCount?: number }).affectedRows ?? (result as { rowCount?: number }).rowCount ?? 0);

    const minuteWatermark = await progress(MINUTE);
    const minuteFrom = floorTo(Math.max(0, minuteWatermark - LATENESS_MS[MINUTE]!), MINUTE);
    const minutes = await connection.execute(
      `with agg as (
         select series_id, (at / 60000) * 60000 as bucket, min(value) as mn, max(value) as mx, sum(value) as sm, count(*) as c, max(at) as last_at
         from metric_points where at >= ? and at < ? group by series_id, (at / 60000) * 60000)
       insert into metric_rollups (series_id, resolution, bucket, min, max, sum, count, last, last_at)
       select agg.series_id, ${MINUTE}, agg.bucket, agg.mn, agg.mx, agg.sm, agg.c, p.value, agg.last_at
       from agg join metric_points p on p.series_id = agg.series_id and p.at = agg.last_at where true ${upsert}`,
      [minuteFrom, now],
      'run',
    );
    await advance(MINUTE, floorTo(now, MINUTE), minuteWatermark);

    const hourWatermark = await progress(HOUR);
    const hourFrom = floorTo(Math.max(0, hourWatermark - LATENESS_MS[HOUR]!), HOUR);
    const hours = await connection.execute(
      `with agg as (
         select series_id, (bucket / 3600000) * 3600000 as hb, min(min) as mn, max(max) as mx, sum(sum) as sm, sum(count) as c, max(last_at) as last_at
         from metric_rollups where resolution = ${MINUTE} and bucket >= ? group by series_id, (bucket / 3600000) * 3600000)
       insert into metric_rollups (series_id, resolution, bucket, min, max, sum, count, last, last_at)
       select agg.series_id, ${HOUR}, agg.hb, agg.mn, agg.mx, agg.sm, agg.c, r.last, agg.last_at
       from agg join metric_rollups r on r.series_id = agg.series_id and r.resolution = ${MINUTE} and r.bucket = (agg.last_at / 60000) * 60000 where true ${upsert}`,
      [hourFrom],
      'run',
    );
    await advance(HOUR, floorTo(now, HOUR), hourWatermark);

    const rawCutoff = Math.min(now - this.config.rawRetentionHours * 3_600_000, (await progress(MINUTE)) - LATENESS_MS[MINUTE]!);
    const minuteCutoff = Math.min(now - this.config.minuteRetentionDays * 86_400_000, (await progress(HOUR)) - LATENESS_MS[HOUR]!);
    const hourCutoff = now - this.config.hourRetentionDays * 86_400_000;
    let deleted = changed(await connection.execute('delete from metric_points where at < ?', [rawCutoff], 'run'));
    deleted += changed(await connection.execute(`delete from metric_rollups where resolution = ${MINUTE} and bucket < ?`, [minuteCutoff], 'run'));
    deleted += changed(await connection.execute(`delete from metric_rollups where resolution = ${HOUR} and bucket < ?`, [hourCutoff], 'run'));
    const result = { minutes: changed(minutes), hours: changed(hours), deleted };
    this.logger.debug({ component: 'metric-rollups', ...result }, 'rollups computed');
    return result;
  }
}
