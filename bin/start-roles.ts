import type { MikroORM } from '@mikro-orm/core';
import { createBus } from '../core/bus/create-bus.js';
import type { Config } from '../core/config.js';
import { dialectOf, migrate } from '../core/database/open-database.js';
import { printSubgraphSdl } from '../core/graphql/federated-schema.js';
import type { Logger } from '../core/logger.js';
import { createQueue } from '../core/queue/create-queue.js';
import { defaultQueueOptions, type QueueOptions } from '../core/queue/queue.js';
import type { HypervisorDriver } from '../drivers/driver.js';
import { TaskStore } from '../core/tasks/task-store.js';
import { scheduleTaskSweep } from '../core/tasks/task-sweeper.js';
import { createDriver } from '../drivers/create-driver.js';
import { sqlExecutorFromMikroOrm } from '../drivers/sim/sql-executor.js';
import { SqlSimVmStore } from '../drivers/sim/sql-sim-vm-store.js';
import { composeSupergraph } from '../gateway/compose-supergraph.js';
import { startGateway } from '../gateway/gateway-server.js';
import { createApiTokenAuthentication } from '../gateway/api-token-authentication.js';
import { createCallerFacts } from '../gateway/caller-facts.js';
import { createDirectory } from '../plugins/directory/create-directory.js';
import { openHostingDatabase } from '../subgraphs/hosting/hosting-database.js';
import { buildHostingSchema } from '../subgraphs/hosting/hosting-schema.js';
import { startHostingSubgraph } from '../subgraphs/hosting/hosting-subgraph.js';
import { startHostingWorker } from '../subgraphs/hosting/hosting-worker.js';
import { IdentityClient } from '../subgraphs/identity/client/identity-client.js';
import { scheduleDirectorySync } from '../subgraphs/identity/directory-sync/sync-schedule.js';
import { openIdentityDatabase } from '../subgraphs/identity/identity-database.js';
import { buildIdentitySchema } from '../subgraphs/identity/identity-schema.js';
import { createIdentityServices } from '../subgraphs/identity/identity-services.js';
import { startIdentitySubgraph } from '../subgraphs/identity/identity-subgraph.js';

export const ROLES = ['gateway', 'hosting', 'identity', 'worker', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

/** What tests and embedders may supply instead of what the configuration would build. */
export interface RoleOverrides {
  driver?: HypervisorDriver;
  queueOptions?: QueueOptions;
}

export interface Running {
  gatewayUrl: string | null;
  close(): Promise<void>;
}

/** The supergraph for the URLs in this configuration, composed from the subgraphs' own schemas. */
export async function supergraphFor(config: Config): Promise<string> {
  return composeSupergraph([
    { name: 'hosting', url: config.subgraphs.hosting.url, sdl: printSubgraphSdl(await buildHostingSchema()) },
    { name: 'identity', url: config.subgraphs.identity.url, sdl: printSubgraphSdl(await buildIdentitySchema()) },
  ]);
}

/** Opens a subgraph's database and brings its schema up to date. */
async function openMigrated(open: (url: string, logger: Logger) => Promise<MikroORM>, name: string, config: Config, logger: Logger): Promise<MikroORM> {
  const orm = await open(config.databaseUrl, logger);
  const applied = await migrate(orm);
  if (applied.length > 0) logger.info({ applied, subgraph: name }, 'database migrated');
  return orm;
}

export const openMigratedDatabase = (config: Config, logger: Logger) => openMigrated(openHostingDatabase, 'hosting', config, logger);
export const openMigratedIdentityDatabase = (config: Config, logger: Logger) => openMigrated(openIdentityDatabase, 'identity', config, logger);

/** How a process of any role reaches the identity subgraph. */
const identityClientFor = (config: Config, caller: string) => new IdentityClient(config.subgraphs.identity.url, config.principalSecret, caller);

/**
 * Starts the given roles in this process, sharing one database pool, queue and bus. `npm start`
 * runs them all; a scaled-out deployment runs one role per process against PostgreSQL and Redis.
 */
export async function startRoles(config: Config, roles: readonly Role[], logger: Logger, overrides: RoleOverrides = {}): Promise<Running> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((error) => logger.error({ err: error }, 'shutdown step failed'));
  };
  try {
    const queueOptions = overrides.queueOptions ?? defaultQueueOptions;
    const bus = createBus({ redisUrl: config.redisUrl });
    closers.push(() => bus.close());
    const queue = createQueue({ redisUrl: config.redisUrl, name: config.queueName, options: queueOptions });
    closers.push(() => queue.close());

    const needsDatabase = roles.some((role) => role !== 'gateway');
    const orm = needsDatabase ? await openMigratedDatabase(config, logger) : null;
    if (orm) closers.push(() => orm.close());
    // Identity's tables are its own, behind its own connection pool.
    const identityOrm = roles.includes('identity') || roles.includes('scheduler') ? await openMigratedIdentityDatabase(config, logger) : null;
    if (identityOrm) closers.push(() => identityOrm.close());
    const directory = identityOrm ? createDirectory(config.directory, { logger }) : null;
    if (directory) closers.push(() => directory.close());
    const identityServices = identityOrm && directory ? createIdentityServices({ config, orm: identityOrm, bus, directory, logger }) : null;

    if (identityServices && roles.includes('identity')) {
      const subgraph = await startIdentitySubgraph({ config, services: identityServices, logger });
      closers.push(() => subgraph.close());
    }
    if (orm && roles.includes('hosting')) {
      const subgraph = await startHostingSubgraph({ config, orm, bus, queue, identity: identityClientFor(config, 'hosting'), logger });
      closers.push(() => subgraph.close());
    }
    if (orm && roles.includes('worker')) {
      const driver =
        overrides.driver ??
        createDriver(
          config.hypervisor,
          new SqlSimVmStore(sqlExecutorFromMikroOrm(orm.em.getConnection(), dialectOf(config.databaseUrl))),
        );
      if (!overrides.driver) closers.push(() => driver.close());
      await startHostingWorker({ config, orm, bus, queue, queueOptions, driver, identity: identityClientFor(config, 'worker'), logger });
    }
    if (orm && roles.includes('scheduler')) {
      const sweeper = scheduleTaskSweep(new TaskStore(orm, bus, logger), queue, logger);
      closers.push(async () => sweeper.stop());
      // Whatever a crash left behind is picked up at once, not at the first tick.
      await sweeper.sweep();
    }
    if (identityServices && roles.includes('scheduler')) {
      const sync = scheduleDirectorySync(identityServices.directorySync, config.identity.syncSchedule, logger);
      closers.push(async () => sync.stop());
      // People exist from the first request on, not from the first tick.
      await identityServices.directorySync.run();
    }
    let gatewayUrl: string | null = null;
    if (roles.includes('gateway')) {
      const identity = identityClientFor(config, 'gateway');
      const callerFacts = await createCallerFacts({
        identity,
        bus,
        adminGroups: config.adminGroups,
        devAdmins: Object.values(config.devTokens).filter((user) => user.admin).map((user) => user.username),
        cacheSeconds: config.identity.principalCacheSeconds,
        logger,
      });
      closers.push(() => callerFacts.close());
      const apiTokens = await createApiTokenAuthentication({ identity, bus, cacheSeconds: config.identity.apiTokenCacheSeconds });
      closers.push(() => apiTokens.close());
      const gateway = await startGateway({
        config,
        supergraphSdl: await supergraphFor(config),
        logger,
        enrichPrincipal: callerFacts.enrich,
        authenticateApiToken: apiTokens.authenticate,
        recordAudit: (entries) => identity.recordAudit(entries),
        readiness: async () => {
          const checks: Record<string, { ok: boolean; error?: string }> = {};
          const check = async (name: string, probe: () => Promise<unknown>) => {
            checks[name] = await probe().then(
              () => ({ ok: true }),
              (error: Error) => ({ ok: false, error: error.message }),
            );
          };
          await check('queue', () => queue.ping());
          await check('bus', () => bus.ping());
          if (orm) await check('database', () => orm.em.getConnection().execute('select 1'));
          return checks;
        },
      });
      closers.push(() => gateway.close());
      gatewayUrl = gateway.url;
    }
    return { gatewayUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}
