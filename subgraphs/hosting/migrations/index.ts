import type { MigrationsByDialect } from '../../../core/database/open-database.js';
import { Initial as InitialPostgresql } from './postgresql/0001-initial.js';
import { Initial as InitialSqlite } from './sqlite/0001-initial.js';

/** Append new migrations at the end of both lists; never edit one that has shipped. */
export const hostingMigrations: MigrationsByDialect = {
  sqlite: [{ name: '0001-initial', class: InitialSqlite }],
  postgresql: [{ name: '0001-initial', class: InitialPostgresql }],
};
