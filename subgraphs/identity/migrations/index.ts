import type { MigrationsByDialect } from '../../../core/database/open-database.js';
import { Identity as IdentityPostgresql } from './postgresql/0001-identity.js';
import { Identity as IdentitySqlite } from './sqlite/0001-identity.js';

/** Append new migrations at the end of both lists; never edit one that has shipped. */
export const identityMigrations: MigrationsByDialect = {
  sqlite: [{ name: '0001-identity', class: IdentitySqlite }],
  postgresql: [{ name: '0001-identity', class: IdentityPostgresql }],
};
