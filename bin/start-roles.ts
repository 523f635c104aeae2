import type { MikroORM } from '@mikro-orm/core';
import { createBus } from '../core/bus/create-bus.js';
import { SUBGRAPH_NAMES, type Config } from '../core/config.js';
import { migrate } from '../core/database/open-database.js';
import { printSubgraphSdl } from '../core/graphql/federated-schema.js';
import { InProcessSubgraphs } from '../core/graphql/in-process-subgraphs.js';
import { SubgraphClient } from '../core/graphql/subgraph-client.js';
import type { Logger } from '../core/logger.js';
import { createQueue } from '../core/queue/create-queue.js';
import { defaultQueueOptions } from '../core/queue/queue.js';
import { startMetricsListener } from '../core/observability/metrics-listener.js';
import { trackQueueDepth } from '../core/observability/task-metrics.js';
import type { ProcessResources, RoleOverrides, SubgraphModule } from '../core/roles/subgraph-module.js';
import { composeSupergraph } from '../gateway/compose-supergraph.js';
import { startGatewayRole } from '../gateway/gateway-role.js';
import { SUBGRAPH_MODULES } from './subgraph-modules.js';

export type { RoleOverrides } from '../core/roles/subgraph-module.js';

export const ROLES = ['gateway', ...SUBGRAPH_NAMES, 'worker', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

export interface Running {
  gatewayUrl: string | null;
  close(): Promise<void>;
}

/** The supergraph for the URLs in this configuration, composed from the subgraphs' own schemas. */
export async function supergraphFor(config: Config): Promise<string> {
  const byName = new Map(SUBGRAPH_MODULES.map((module) => [module.name, module]));
  const sources = [];
  for (const name of SUBGRAPH_NAMES) {
    const module = byName.get(name);
    if (module) sources.push({ name, url: config.subgraphs[name].url, sdl: printSubgraphSdl(await module.buildSchema()) });
  }
  return composeSupergraph(sources);
}

/** Opens a subgraph's own tables and brings them up to date. */
export async function openMigrated(module: SubgraphModule, config: Config, logger: Logger): Promise<MikroORM> {
  const orm = await module.openDatabase(config.databaseUrl, logger);
  try {
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ applied, subgraph: module.name }, 'database migrated');
    return orm;
  } catch (error) {
    await orm.close();
    throw error;
  }
}

/** Whether a process running `roles` needs this subgraph's tables and code. */
const isNeeded = (module: SubgraphModule, roles: readonly Role[]) =>
  roles.includes(module.name) || (roles.includes('worker') && !!module.work) || (roles.includes('scheduler') && !!module.schedule);

/**
 * Starts the given roles in this process, sharing one queue, bus and database pool per subgraph.
 * `npm start` runs them all; a scaled-out deployment runs one role per process against PostgreSQL
 * and Redis. Subgraphs are served before workers and schedulers start, in SUBGRAPH_MODULES order.
 */
export async function startRoles(config: Config, roles: readonly Role[], logger: Logger, overrides: RoleOverrides = {}): Promise<Running> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((error) => logger.error({ err: error }, 'shutdown step failed'));
  };
  try {
    const bus = createBus({ redisUrl: config.redisUrl });
    closers.push(() => bus.close());
    const queueOptions = overrides.queueOptions ?? defaultQueueOptions;
    const queue = createQueue({ redisUrl: config.redisUrl, name: config.queueName, options: queueOptions });
    closers.push(() => queue.close());
    const untrack = trackQueueDepth(config.queueName, queue);
    closers.push(async () => untrack());
    const resources: ProcessResources = {
      config,
      logger,
      bus,
      queue,
      queueOptions,
      overrides,
      inProcess: new InProcessSubgraphs(),
      clientOf: (subgraph, caller) => new SubgraphClient(subgraph, config.subgraphs[subgraph].url, config.principalSecret, caller),
      onClose: (closer) => void closers.push(closer),
    };

    const active = [];
    for (const module of SUBGRAPH_MODULES.filter((candidate) => isNeeded(candidate, roles))) {
      const orm = await openMigrated(module, config, logger);
      closers.push(() => orm.close());
      active.push({ module, orm, shared: await module.prepare?.(resources, orm) });
    }
    for (const { module, orm, shared } of active) if (roles.includes(module.name)) await module.serve(resources, orm, shared);
    if (roles.includes('worker')) for (const { module, orm, shared } of active) await module.work?.(resources, orm, shared);
    if (roles.includes('scheduler')) for (const { module, orm, shared } of active) await module.schedule?.(resources, orm, shared);

    // Every HTTP server of a process shows its whole /metrics; a worker or scheduler alone gets one of its own.
    if (!roles.some((role) => role === 'gateway' || (SUBGRAPH_NAMES as readonly string[]).includes(role))) {
      const { workerMetricsPort, schedulerMetricsPort } = config.observability;
      const listener = await startMetricsListener(config.gateway.host, roles.includes('worker') ? workerMetricsPort : schedulerMetricsPort, logger);
      closers.push(() => listener.close());
    }

    const gatewayUrl = roles.includes('gateway')
      ? await startGatewayRole(resources, {
          supergraphSdl: await supergraphFor(config),
          databases: active.map(({ orm }) => orm),
          sharedSubscriptions: Object.assign({}, ...SUBGRAPH_MODULES.map((module) => module.sharedSubscriptions ?? {})),
        })
      : null;
    return { gatewayUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}
