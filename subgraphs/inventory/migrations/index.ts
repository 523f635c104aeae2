import type { MigrationsByDialect } from '../../../core/database/open-database.js';
import { Inventory as InventoryPostgresql } from './postgresql/0001-inventory.js';
import { Inventory as InventorySqlite } from './sqlite/0001-inventory.js';

/** Append new migrations at the end of both lists; never edit one that has shipped. */
export const inventoryMigrations: MigrationsByDialect = {
  sqlite: [{ name: '0001-inventory', class: InventorySqlite }],
  postgresql: [{ name: '0001-inventory', class: InventoryPostgresql }],
};
