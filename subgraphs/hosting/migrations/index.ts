import type { MigrationsByDialect } from '../../../core/database/open-database.js';
import { Initial as InitialPostgresql } from './postgresql/0001-initial.js';
import { SiteAccessAndUsage as SiteAccessAndUsagePostgresql } from './postgresql/0002-site-access-and-usage.js';
import { Vms as VmsPostgresql } from './postgresql/0003-vms.js';
import { SiteHistory as SiteHistoryPostgresql } from './postgresql/0004-site-history.js';
import { SiteOperations as SiteOperationsPostgresql } from './postgresql/0005-site-operations.js';
import { SiteConfiguration as SiteConfigurationPostgresql } from './postgresql/0006-site-configuration.js';
import { Initial as InitialSqlite } from './sqlite/0001-initial.js';
import { SiteAccessAndUsage as SiteAccessAndUsageSqlite } from './sqlite/0002-site-access-and-usage.js';
import { Vms as VmsSqlite } from './sqlite/0003-vms.js';
import { SiteHistory as SiteHistorySqlite } from './sqlite/0004-site-history.js';
import { SiteOperations as SiteOperationsSqlite } from './sqlite/0005-site-operations.js';
import { SiteConfiguration as SiteConfigurationSqlite } from './sqlite/0006-site-configuration.js';

/** Append new migrations at the end of both lists; never edit one that has shipped. */
export const hostingMigrations: MigrationsByDialect = {
  sqlite: [
    { name: '0001-initial', class: InitialSqlite },
    { name: '0002-site-access-and-usage', class: SiteAccessAndUsageSqlite },
    { name: '0003-vms', class: VmsSqlite },
    { name: '0004-site-history', class: SiteHistorySqlite },
    { name: '0005-site-operations', class: SiteOperationsSqlite },
    { name: '0006-site-configuration', class: SiteConfigurationSqlite },
  ],
  postgresql: [
    { name: '0001-initial', class: InitialPostgresql },
    { name: '0002-site-access-and-usage', class: SiteAccessAndUsagePostgresql },
    { name: '0003-vms', class: VmsPostgresql },
    { name: '0004-site-history', class: SiteHistoryPostgresql },
    { name: '0005-site-operations', class: SiteOperationsPostgresql },
    { name: '0006-site-configuration', class: SiteConfigurationPostgresql },
  ],
};
