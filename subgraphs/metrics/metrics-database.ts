import { openDatabase } from '../../core/database/open-database.js';
import type { Logger } from '../../core/logger.js';
import { metricsMigrations } from './migrations/index.js';
import { MetricPointEntity, MetricRollupEntity, MetricSeriesEntity, RollupProgressEntity } from './series/series-entities.js';

export const METRICS_ENTITIES = [MetricSeriesEntity, MetricPointEntity, MetricRollupEntity, RollupProgressEntity];

/** The metrics subgraph's tables: series, raw points, rollups. */
export const openMetricsDatabase = (url: string, logger?: Logger) =>
  openDatabase({ url, entities: METRICS_ENTITIES, migrations: metricsMigrations, migrationsTable: 'metrics_migrations', logger });
