import type { MikroORM } from '@mikro-orm/core';
import type { MetricsConfig } from '../../../core/config.js';
import { badInput } from '../../../core/errors.js';
import { HOUR, MINUTE } from '../rollups/resolutions.js';

export interface SeriesRequest {
  siteId: string;
  /** One VM of the site; all of them when absent. */
  vmId?: string;
  names: string[];
  /** Epoch milliseconds; `to` excluded. */
  from: number;
  to: number;
  /** Seconds per point of the answer. */
  step: number;
}

export interface AlignedPoint {
  /** The start of the step, a multiple of it since the epoch. */
  at: number;
  avg: number;
  min: number;
  max: number;
  last: number;
  count: number;
}

export interface AlignedSeries {
  vmId: string;
  name: string;
  /** Where the points came from: 0 for raw points, else the rollup's resolution in seconds. */
  resolution: number;
  /** The first step's start and how many steps the range has, for a dense array of values. */
  start: number;
  steps: number;
  points: AlignedPoint[];
}

/** Whatever the source, a row is a bucket: raw points are buckets of one. */
interface Row {
  series_id: number;
  t: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  last_at: number;
}

export const MAX_NAMES = 200;
export const MAX_POINTS_PER_SERIES = 11_000;

/**
 * Reads series aligned to `step`. The source is the finest one that still holds `from` and is no
 * finer than needed: raw points for steps under a minute (within the raw window), 1-minute rollups
 * for steps under an hour (within theirs), 1-hour rollups otherwise. What the rollups do not hold
 * yet (the minutes since the last rollup run) is read from the finer data, so an answer reaches now.
 */
export class SeriesQuery {
  constructor(
    private readonly orm: MikroORM,
    private readonly config: MetricsConfig,
  ) {}

  resolutionFor(request: Pick<SeriesRequest, 'from' | 'step'>, now = Date.now()): number {
    const { from, step } = request;
    if (step < MINUTE && from >= now - this.config.rawRetentionHours * 3_600_000) return 0;
    if (step < HOUR && from >= now - this.config.minuteRetentionDays * 86_400_000) return MINUTE;
    return HOUR;
  }

  async read(request: SeriesRequest, now = Date.now()): Promise<AlignedSeries[]> {
    const { names, step } = request;
    if (!Number.isInteger(step) || step < 1) throw badInput('step is a whole number of seconds, at least 1', 'step');
    if (!(request.to > request.from)) throw badInput('to must be later than from', 'to');
    if (names.length === 0 || names.length > MAX_NAMES) throw badInput(`Name between 1 and ${MAX_NAMES} metrics`, 'names');
    const stepMs = step * 1000;
    const from = Math.floor(request.from / stepMs) * stepMs;
    const to = request.to;
    if ((to - from) / stepMs > MAX_POINTS_PER_SERIES) {
      throw badInput(`That is more than ${MAX_POINTS_PER_SERIES} points per series: use a larger step or a shorter range`, 'step');
    }
    const connection = this.orm.em.fork().getConnection();
    const series = (await connection.execute(
      `select id, vm_id, name from metric_series where site_id = ?${request.vmId ? ' and vm_id = ?' : ''} and name in (${names.map(() => '?').join(', ')}) order by vm_id, name`,
      [request.siteId, ...(request.vmId ? [request.vmId] : []), ...names],
    )) as { id: number; vm_id: string; name: string }[];
    if (series.length === 0) return [];
    const ids = series.map((row) => Number(row.id));
    const inIds = ids.map(() => '?').join(', ');

    const resolution = this.resolutionFor(request, now);
    const watermarks = new Map(
      ((await connection.execute('select resolution, rolled_until from metric_rollup_progress')) as { resolution: number; rolled_until: number }[]).map((row) => [
        Number(row.resolution),
        Number(row.rolled_until),
      ]),
    );
    // Coarse data up to its watermark, then the next finer source from there on.
    const tiers = [HOUR, MINUTE, 0].filter((tier) => tier <= resolution);
    const rows: Row[] = [];
    let start = from;
    for (const tier of tiers) {
      if (start >= to) break;
      const end = tier === 0 ? to : Math.min(to, Math.floor((watermarks.get(tier) ?? 0) / (tier * 1000)) * tier * 1000);
      if (end <= start) continue;
      const found =
        tier === 0
          ? await connection.execute(
              `select series_id, at as t, value as min, value as max, value as sum, 1 as count, value as last, at as last_at from metric_points where series_id in (${inIds}) and at >= ? and at < ?`,
              [...ids, start, end],
            )
          : await connection.execute(
              `select series_id, bucket as t, min, max, sum, count, last, last_at from metric_rollups where resolution = ? and series_id in (${inIds}) and bucket >= ? and bucket < ?`,
              [tier, ...ids, start, end],
            );
      // A loop, not push(...rows): a day of a hundred series is more arguments than a call may have.
      for (const row of found as Row[]) rows.push(row);
      start = end;
    }
    const steps = Math.ceil((to - from) / stepMs);
    return align(series, rows, stepMs, resolution).map((aligned) => ({ ...aligned, start: from, steps }));
  }
}

/** Buckets of `stepMs` per series, in time order; a step without data is left out. */
function align(series: { id: number; vm_id: string; name: string }[], rows: Row[], stepMs: number, resolution: number): Omit<AlignedSeries, 'start' | 'steps'>[] {
  const buckets = new Map<number, Map<number, AlignedPoint & { sum: number; lastAt: number }>>();
  for (const row of rows) {
    const seriesId = Number(row.series_id);
    const at = Math.floor(Number(row.t) / stepMs) * stepMs;
    let perSeries = buckets.get(seriesId);
    if (!perSeries) buckets.set(seriesId, (perSeries = new Map()));
    const count = Number(row.count);
    const lastAt = Number(row.last_at);
    const bucket = perSeries.get(at);
    if (!bucket) {
      perSeries.set(at, { at, avg: 0, min: row.min, max: row.max, sum: row.sum, count, last: row.last, lastAt });
      continue;
    }
    bucket.min = Math.min(bucket.min, row.min);
    bucket.max = Math.max(bucket.max, row.max);
    bucket.sum += row.sum;
    bucket.count += count;
    if (lastAt >= bucket.lastAt) {
      bucket.last = row.last;
      bucket.lastAt = lastAt;
    }
  }
  return series.map((row) => {
    const points = [...(buckets.get(Number(row.id))?.values() ?? [])]
      .sort((a, b) => a.at - b.at)
      .map(({ at, min, max, sum, count, last }) => ({ at, avg: sum / count, min: Number(min), max: Number(max), last: Number(last), count }));
    return { vmId: row.vm_id, name: row.name, resolution, points };
  });
}
