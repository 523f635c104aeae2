import type { Dialect } from '../../core/database/open-database.js';
import { sqlExecutorFromMikroOrm, type MikroOrmSqlConnection } from '../sim/sql-executor.js';
import { SqlSimVmStore } from '../sim/sql-sim-vm-store.js';
import type { SimVmStore } from '../sim/sim-vm-store.js';

/** Sim hosts keep their VMs in the application's database, so a restart keeps them and workers share them. */
export const simStoresOn = (connection: MikroOrmSqlConnection, dialect: Dialect) => (tableName: string): SimVmStore =>
  new SqlSimVmStore(sqlExecutorFromMikroOrm(connection, dialect), { tableName });
