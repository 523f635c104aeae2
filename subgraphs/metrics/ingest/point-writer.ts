import type { MikroORM } from '@mikro-orm/core';
import type { Bus } from '../../../core/bus/bus.js';
import type { Logger } from '../../../core/logger.js';
import type { HostResolver } from '../hosts/host-resolver.js';
import { metricUpdatesChannel, type MetricUpdate } from '../series/metric-updates.js';
import { SeriesStore } from '../series/series-store.js';
import { placeholders } from '../series/sql-rows.js';
import type { FairQueue } from './fair-queue.js';
import type { GraphitePoint } from './graphite-line.js';
import { ingestMetrics } from './ingest-metrics.js';

export interface PointWriterOptions {
  orm: MikroORM;
  queue: FairQueue;
  hosts: HostResolver;
  bus: Bus;
  batchSize: number;
  flushMs: number;
  logger: Logger;
}

/** Rows per INSERT: 3 parameters each stays far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_INSERT = 1000;
const RETRY_MS = 1000;

/**
 * Takes fair batches off the queue and writes them: each batch's points in one transaction of
 * multi-row inserts, then one bus message per site for `metricUpdates`. A batch that cannot be
 * written (database or hosting down) is retried, not dropped; meanwhile the queue fills and the
 * senders are paused, so they keep their points instead of us losing them.
 */
export class PointWriter {
  private readonly series: SeriesStore;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: PointWriterOptions) {
    this.series = new SeriesStore(options.orm);
    this.log = options.logger.child({ component: 'metric-writer' });
  }

  start() {
    this.timer = setInterval(() => this.flush(), this.options.flushMs);
  }

  /** New points arrived: a full batch is written at once instead of at the next tick. */
  nudge() {
    if (this.options.queue.size >= this.options.batchSize) this.flush();
  }

  flush(): Promise<void> {
    this.running ??= this.drain().finally(() => (this.running = null));
    return this.running;
  }

  private async drain() {
    const { queue, batchSize } = this.options;
    while (queue.size > 0) {
      const batch = queue.take(batchSize);
      for (;;) {
        try {
          await this.write(batch);
          break;
        } catch (error) {
          if (this.closed) return this.log.error({ err: error, points: batch.length }, 'points not written at shutdown');
          this.log.warn({ err: error, points: batch.length }, 'points not written yet; trying again');
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    }
  }

  private async write(batch: GraphitePoint[]) {
    const stop = ingestMetrics.batchSeconds.startTimer();
    const placements = await this.options.hosts.resolve([...new Set(batch.map((point) => point.host))]);
    const placed = batch.flatMap((point) => {
      const placement = placements.get(point.host);
      return placement ? [{ ...point, ...placement }] : [];
    });
    const unknown = batch.length - placed.length;
    if (unknown > 0) ingestMetrics.lines.inc({ outcome: 'unknown_host' }, unknown);
    const ids = await this.series.idsOf(placed);
    const rows = placed.map((point) => ({ point, seriesId: ids.get(SeriesStore.keyOf(point.vmId, point.name))! }));
    // One value per series and time in a statement, or PostgreSQL refuses the upsert: the last one sent wins.
    const latest = new Map<string, (typeof rows)[number]>();
    for (const row of rows) latest.set(`${row.seriesId}:${row.point.at}`, row);
    const unique = [...latest.values()];
    await this.options.orm.em.fork().transactional(async (em) => {
      const connection = em.getConnection();
      const context = em.getTransactionContext();
      for (let i = 0; i < unique.length; i += ROWS_PER_INSERT) {
        const chunk = unique.slice(i, i + ROWS_PER_INSERT);
        await connection.execute(
          `insert into metric_points (series_id, at, value) values ${placeholders(chunk.length, 3)} on conflict (series_id, at) do update set value = excluded.value`,
          chunk.flatMap(({ point, seriesId }) => [seriesId, point.at, point.value]),
          'run',
          context,
        );
      }
      // Points older than what the rollups have reached (a sender catching up) make them look back.
      if (unique.length > 0) {
        const earliest = unique.reduce((min, { point }) => Math.min(min, point.at), Infinity);
        await connection.execute('update metric_rollup_progress set rolled_until = ? where rolled_until > ?', [earliest, earliest], 'run', context);
      }
    });
    ingestMetrics.pointsStored.inc(placed.length);
    stop();
    await this.publish(placed);
  }

  private async publish(points: (GraphitePoint & { vmId: string; siteId: string })[]) {
    const bySite = new Map<string, MetricUpdate>();
    for (const point of points) {
      let update = bySite.get(point.siteId);
      if (!update) bySite.set(point.siteId, (update = { siteId: point.siteId, points: [] }));
      update.points.push({ vmId: point.vmId, name: point.name, at: point.at, value: point.value });
    }
    for (const update of bySite.values()) {
      await this.options.bus.publish(metricUpdatesChannel(update.siteId), update).catch((error) => this.log.warn({ err: error }, 'metric update not published'));
    }
  }

  async close() {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
