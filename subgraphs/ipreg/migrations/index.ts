import type { MigrationsByDialect } from '../../../core/database/open-database.js';
import { Ipreg as IpregPostgresql } from './postgresql/0001-ipreg.js';
import { Ipreg as IpregSqlite } from './sqlite/0001-ipreg.js';

/** Append new migrations at the end of both lists; never edit one that has shipped. */
export const ipregMigrations: MigrationsByDialect = {
  sqlite: [{ name: '0001-ipreg', class: IpregSqlite }],
  postgresql: [{ name: '0001-ipreg', class: IpregPostgresql }],
};
