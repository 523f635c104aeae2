import type { MikroORM } from '@mikro-orm/core';
import type { ProcessResources } from '../core/roles/subgraph-module.js';
import { IdentityClient } from '../subgraphs/identity/client/identity-client.js';
import { createApiTokenAuthentication } from './api-token-authentication.js';
import { createCallerFacts } from './caller-facts.js';
import { startGateway } from './gateway-server.js';
import type { ReadinessChecks } from './readiness.js';
import type { SharingPolicy } from './shared-subscriptions.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { usageCsvRoute } from './usage-csv-route.js';

export interface GatewayRoleOptions {
  supergraphSdl: string;
  /** This process's own databases, checked by /readyz along with the queue and bus. */
  databases: MikroORM[];
  sharedSubscriptions: SharingPolicy;
}

/**
 * The gateway role: authenticates callers (identity completes their principal and checks API
 * tokens), serves the supergraph, and records every mutation in identity's audit log.
 */
export async function startGatewayRole(process: ProcessResources, { supergraphSdl, databases, sharedSubscriptions }: GatewayRoleOptions): Promise<string> {
  const { config, bus, queue, logger, onClose } = process;
  const identity = new IdentityClient(process.clientOf('identity', 'gateway'));
  const callerFacts = await createCallerFacts({
    identity,
    bus,
    adminGroups: config.adminGroups,
    devAdmins: Object.values(config.devTokens).filter((user) => user.admin).map((user) => user.username),
    cacheSeconds: config.identity.principalCacheSeconds,
    logger,
  });
  onClose(() => callerFacts.close());
  const apiTokens = await createApiTokenAuthentication({ identity, bus, cacheSeconds: config.identity.apiTokenCacheSeconds });
  onClose(() => apiTokens.close());

  const readiness = async () => {
    const checks: ReadinessChecks = {};
    const check = async (name: string, probe: () => Promise<unknown>) => {
      checks[name] = await probe().then(
        () => ({ ok: true }),
        (error: Error) => ({ ok: false, error: error.message }),
      );
    };
    await check('queue', () => queue.ping());
    await check('bus', () => bus.ping());
    if (databases.length > 0) await check('database', () => Promise.all(databases.map((orm) => orm.em.getConnection().execute('select 1'))));
    return checks;
  };
  const gateway = await startGateway({
    config,
    supergraphSdl,
    logger,
    enrichPrincipal: callerFacts.enrich,
    authenticateApiToken: apiTokens.authenticate,
    recordAudit: (entries) => identity.recordAudit(entries),
    sharedSubscriptions,
    readiness,
    inProcess: process.inProcess,
    routes: { '/usage.csv': usageCsvRoute(process.clientOf('metrics', 'gateway')), ...dashboardRoutes(config) },
  });
  onClose(() => gateway.close());
  return gateway.url;
}
