import type { MigrationsByDialect } from '../../../core/database/open-database.js';
import { Metrics as MetricsPostgresql } from './postgresql/0001-metrics.js';
import { Metrics as MetricsSqlite } from './sqlite/0001-metrics.js';

/** Append new migrations at the end of both lists; never edit one that has shipped. */
export const metricsMigrations: MigrationsByDialect = {
  sqlite: [{ name: '0001-metrics', class: MetricsSqlite }],
  postgresql: [{ name: '0001-metrics', class: MetricsPostgresql }],
};
