import cron from 'node-cron';
import { startSubgraphServer } from '../../core/graphql/subgraph-server.js';
import { defineSubgraph } from '../../core/roles/subgraph-module.js';
import { HostingClient } from '../hosting/client/hosting-client.js';
import { IdentityClient } from '../identity/client/identity-client.js';
import { SiteVisibility } from './access/site-visibility.js';
import { CachedHostResolver } from './hosts/cached-host-resolver.js';
import { HostingHostResolver } from './hosts/hosting-host-resolver.js';
import { FairQueue } from './ingest/fair-queue.js';
import { startGraphiteListener } from './ingest/graphite-listener.js';
import { ingestMetrics } from './ingest/ingest-metrics.js';
import { PointWriter } from './ingest/point-writer.js';
import type { MetricsContext, MetricsServices } from './metrics-context.js';
import { openMetricsDatabase } from './metrics-database.js';
import { buildMetricsSchema } from './metrics-schema.js';
import { RollupJob } from './rollups/rollup-job.js';
import { SeriesCatalog } from './series/series-catalog.js';
import { SeriesQuery } from './series/series-query.js';
import { UsageService } from './usage/usage-service.js';

/**
 * Time series from the sites' VMs and usage for billing. Its role serves the queries and listens for
 * Graphite plaintext; the scheduler rolls points up and applies retention.
 */
export const metricsModule = defineSubgraph({
  name: 'metrics',
  buildSchema: buildMetricsSchema,
  // Points are news: a late subscriber follows from the moment it joins.
  sharedSubscriptions: { metricUpdates: 'live' },
  openDatabase: openMetricsDatabase,

  async serve({ config, bus, logger, clientOf, onClose, inProcess }, orm) {
    const log = logger.child({ subgraph: 'metrics' });
    const hosting = new HostingClient(clientOf('hosting', 'metrics'));
    const services: MetricsServices = {
      series: new SeriesQuery(orm, config.metrics),
      catalog: new SeriesCatalog(orm),
      usage: new UsageService(hosting, new IdentityClient(clientOf('identity', 'metrics')), config.metrics.institutions),
      hosting,
      bus,
    };
    const { host, port } = config.subgraphs.metrics;
    const server = await startSubgraphServer({
      name: 'metrics',
      schema: await buildMetricsSchema(),
      host,
      port,
      principalSecret: config.principalSecret,
      inProcess,
      createContext: (principal): MetricsContext => ({ ...services, principal, visibility: new SiteVisibility(hosting, principal) }),
      logger,
    });
    onClose(() => server.close());

    const { metrics } = config;
    const queue = new FairQueue(metrics.perConnectionBuffer, (pending, paused) => {
      ingestMetrics.pending.set(pending);
      ingestMetrics.pausedConnections.set(paused);
    });
    const writer = new PointWriter({
      orm,
      queue,
      hosts: new CachedHostResolver(new HostingHostResolver(hosting), metrics.hostCacheSeconds * 1000),
      bus,
      batchSize: metrics.batchSize,
      flushMs: metrics.flushMs,
      logger: log,
    });
    writer.start();
    onClose(() => writer.close());
    const listener = await startGraphiteListener({
      ...metrics.graphite,
      prefixDepth: metrics.graphitePrefixDepth,
      queue,
      logger: log,
      onPoints: () => writer.nudge(),
    });
    // Closed before the writer (closers run in reverse), so the last points are still written.
    onClose(() => listener.close());
  },

  async schedule({ config, logger, onClose }, orm) {
    const log = logger.child({ subgraph: 'metrics' });
    const job = new RollupJob(orm, config.metrics, log);
    let running: Promise<unknown> | null = null;
    const run = () => {
      // A slow run is not overtaken by the next tick.
      running ??= job
        .run()
        .catch((error) => log.error({ err: error }, 'metric rollup failed'))
        .finally(() => (running = null));
      return running;
    };
    const expression = config.metrics.rollupSchedule;
    if (!cron.validate(expression)) throw new Error(`metrics.rollupSchedule "${expression}" is not a cron expression (seconds minutes hours days months weekdays)`);
    const task = cron.schedule(expression, run, { noOverlap: true, name: 'metric-rollups' });
    onClose(async () => {
      await task.destroy();
      await running;
    });
    await run();
  },
});
