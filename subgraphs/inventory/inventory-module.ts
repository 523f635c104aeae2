import { dialectOf } from '../../core/database/open-database.js';
import { startSubgraphServer } from '../../core/graphql/subgraph-server.js';
import { defineSubgraph } from '../../core/roles/subgraph-module.js';
import { HostDrivers } from '../../drivers/registry/host-drivers.js';
import { simStoresOn } from '../../drivers/registry/sim-stores.js';
import { HostingClient } from '../hosting/client/hosting-client.js';
import { HostService } from './hosts/host-service.js';
import type { InventoryContext, InventoryServices } from './inventory-context.js';
import { openInventoryDatabase } from './inventory-database.js';
import { buildInventorySchema } from './inventory-schema.js';
import { PlacementService } from './placement/placement-service.js';
import { DiscrepancyQueries } from './reconciliation/discrepancy-queries.js';
import { ReconcileLoop } from './reconciliation/reconcile-loop.js';
import { Reconciler } from './reconciliation/reconciler.js';
import { ReconciliationRequests } from './reconciliation/reconciliation-requests.js';

/**
 * Hypervisor hosts, where each VM runs, and the truth the hypervisors tell: served here; the
 * worker reconciles (only workers call drivers), once at start before any task and then on schedule.
 */
export const inventoryModule = defineSubgraph({
  name: 'inventory',
  buildSchema: buildInventorySchema,
  // Reconciliation reports are news, for whoever is listening.
  sharedSubscriptions: { hostReconciled: 'live' },
  openDatabase: openInventoryDatabase,

  async prepare({ config, bus }, orm): Promise<InventoryServices> {
    return {
      hosts: new HostService(orm, config.inventory.overcommit),
      placements: new PlacementService(orm, config.inventory.overcommit),
      discrepancies: new DiscrepancyQueries(orm),
      reconciliation: new ReconciliationRequests(bus, config.inventory.reconcileWaitMs),
      bus,
    };
  },

  async serve({ config, logger, onClose, inProcess }, _orm, services) {
    await services.hosts.seed(config.inventory.seedHosts, logger.child({ subgraph: 'inventory' }));
    const { host, port } = config.subgraphs.inventory;
    const server = await startSubgraphServer({
      name: 'inventory',
      schema: await buildInventorySchema(),
      host,
      port,
      principalSecret: config.principalSecret,
      inProcess,
      createContext: (principal): InventoryContext => ({ ...services, principal }),
      logger,
    });
    onClose(() => server.close());
  },

  async work({ config, bus, overrides, logger, clientOf, onClose }, orm) {
    const drivers = new HostDrivers({
      secrets: config.secrets,
      sim: config.hypervisor.sim,
      simStore: simStoresOn(orm.em.getConnection(), dialectOf(config.databaseUrl)),
      simDriver: overrides.driver,
    });
    onClose(() => drivers.close());
    const reconciler = new Reconciler({
      orm,
      drivers,
      hosting: new HostingClient(clientOf('hosting', 'reconciler')),
      bus,
      logger,
      leaseMs: config.inventory.reconcileLeaseMs,
    });
    const loop = new ReconcileLoop(reconciler, bus, logger);
    onClose(() => loop.stop());
    // After a restart the service learns the truth before it acts: this runs before hosting's worker takes tasks.
    await loop.start(config.inventory.reconcileSchedule);
  },
});
