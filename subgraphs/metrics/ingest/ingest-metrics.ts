import { Counter, Gauge, Histogram } from 'prom-client';

/** The ingest path's own numbers, on every /metrics of the process that runs the metrics role. */
export const ingestMetrics = {
  lines: new Counter({ name: 'hostgraph_graphite_lines_total', help: 'Graphite lines received, by outcome', labelNames: ['outcome'] as const }),
  pointsStored: new Counter({ name: 'hostgraph_metric_points_stored_total', help: 'Points written to the database' }),
  connections: new Gauge({ name: 'hostgraph_graphite_connections', help: 'Open Graphite connections' }),
  pausedConnections: new Gauge({ name: 'hostgraph_graphite_paused_connections', help: 'Graphite connections paused because their points are not written yet' }),
  pending: new Gauge({ name: 'hostgraph_graphite_pending_points', help: 'Points received but not written yet' }),
  batchSeconds: new Histogram({
    name: 'hostgraph_metric_write_batch_seconds',
    help: 'Time to write one batch of points',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
};
