import { openDatabase } from '../../core/database/open-database.js';
import type { Logger } from '../../core/logger.js';
import { HypervisorHostEntity } from './hosts/host-entity.js';
import { inventoryMigrations } from './migrations/index.js';
import { VmPlacementEntity } from './placement/placement-entity.js';
import { DiscrepancyEntity } from './reconciliation/discrepancy-entity.js';
import { ReconcileLeaseEntity } from './reconciliation/reconcile-lease-entity.js';

export const INVENTORY_ENTITIES = [HypervisorHostEntity, VmPlacementEntity, DiscrepancyEntity, ReconcileLeaseEntity];

/** The inventory subgraph's tables: hosts, placements, what reconciliation found, its lease. */
export const openInventoryDatabase = (url: string, logger?: Logger) =>
  openDatabase({ url, entities: INVENTORY_ENTITIES, migrations: inventoryMigrations, migrationsTable: 'inventory_migrations', logger });
