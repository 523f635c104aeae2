import { defineEntity, p } from '@mikro-orm/core';

/**
 * One time series: a metric of one VM, named by the Graphite path after the host (`cpu-0.cpu-user`).
 * Points refer to it by a small integer, which keeps the point tables narrow.
 */
export const MetricSeriesEntity = defineEntity({
  name: 'MetricSeries',
  tableName: 'metric_series',
  properties: {
    id: p.integer().primary().autoincrement(),
    siteId: p.uuid().index(),
    vmId: p.uuid(),
    name: p.string().length(255),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['vmId', 'name'] }],
});

/** Raw points, kept for `rawRetentionHours`. `at` is epoch milliseconds; a repeated timestamp replaces the value. */
export const MetricPointEntity = defineEntity({
  name: 'MetricPoint',
  tableName: 'metric_points',
  properties: {
    seriesId: p.integer().primary(),
    at: p.bigint('number').primary(),
    value: p.double(),
  },
  primaryKeys: ['seriesId', 'at'],
  indexes: [{ properties: ['at'] }],
});

/** 1-minute (60) and 1-hour (3600) rollups; `bucket` is the bucket's start in epoch milliseconds. */
export const MetricRollupEntity = defineEntity({
  name: 'MetricRollup',
  tableName: 'metric_rollups',
  properties: {
    seriesId: p.integer().primary(),
    resolution: p.integer().primary(),
    bucket: p.bigint('number').primary(),
    min: p.double(),
    max: p.double(),
    sum: p.double(),
    count: p.integer(),
    last: p.double(),
    lastAt: p.bigint('number'),
  },
  primaryKeys: ['seriesId', 'resolution', 'bucket'],
  indexes: [{ properties: ['resolution', 'bucket'] }],
});

/** How far each rollup resolution has been computed from the finer data, in epoch milliseconds. */
export const RollupProgressEntity = defineEntity({
  name: 'RollupProgress',
  tableName: 'metric_rollup_progress',
  properties: {
    resolution: p.integer().primary().autoincrement(false),
    rolledUntil: p.bigint('number'),
  },
});
