import type { MigrationsByDialect } from '../../../core/database/open-database.js';
import { Initial as InitialPostgresql } from './postgresql/0001-initial.js';
import { SiteAccessAndUsage as SiteAccessAndUsagePostgresql } from './postgresql/0002-site-access-and-usage.js';
import { Initial as InitialSqlite } from './sqlite/0001-initial.js';
import { SiteAccessAndUsage as SiteAccessAndUsageSqlite } from './sqlite/0002-site-access-and-usage.js';

/** Append new migrations at the end of both lists; never edit one that has shipped. */
export const hostingMigrations: MigrationsByDialect = {
  sqlite: [
    { name: '0001-initial', class: InitialSqlite },
    { name: '0002-site-access-and-usage', class: SiteAccessAndUsageSqlite },
  ],
  postgresql: [
    { name: '0001-initial', class: InitialPostgresql },
    { name: '0002-site-access-and-usage', class: SiteAccessAndUsagePostgresql },
  ],
};
