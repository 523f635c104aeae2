import { MikroORM, type Constructor, type EntitySchema } from '@mikro-orm/core';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import type { Logger } from '../logger.js';
import { WriteLockSqliteDialect } from './sqlite/write-lock-dialect.js';

export type Dialect = 'sqlite' | 'postgresql';

/** Migrations written for one dialect do not fit the other, so each subgraph keeps a list per dialect. */
export type MigrationsByDialect = Record<Dialect, { name: string; class: Constructor<Migration> }[]>;

export interface DatabaseOptions {
  /** `sqlite:<file>` or `postgres://…` */
  url: string;
  entities: EntitySchema<any, any>[];
  migrations: MigrationsByDialect;
  /** Each subgraph tracks its own migrations, so several can share one database. */
  migrationsTable: string;
  logger?: Logger;
  /** SQLite: how long a write waits for another connection's write lock before SQLITE_BUSY (10 s). */
  busyTimeoutMs?: number;
}

export const dialectOf = (url: string): Dialect => (url.startsWith('postgres') ? 'postgresql' : 'sqlite');

export async function openDatabase(options: DatabaseOptions): Promise<MikroORM> {
  const dialect = dialectOf(options.url);
  const common = {
    entities: options.entities,
    extensions: [Migrator],
    migrations: { tableName: options.migrationsTable, migrationsList: options.migrations[dialect], snapshot: false },
    // Request handlers and the worker always fork their own entity manager.
    allowGlobalContext: false,
    ensureDatabase: false,
    logger: (message: string) => options.logger?.debug({ orm: message }),
  };
  if (dialect === 'postgresql') {
    return MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: options.url, pool: { max: 10 } });
  }
  // A connection of its own per ORM, waiting for the others' write lock without stopping the process.
  // Not one shared between ORMs: a transaction awaiting another subgraph of this process would then
  // wait for itself.
  const file = options.url.replace(/^sqlite:/, '');
  const sqliteDialect = new WriteLockSqliteDialect({ file, busyTimeoutMs: options.busyTimeoutMs ?? 10_000 });
  return MikroORM.init({ ...common, driver: SqliteDriver, dbName: file, driverOptions: sqliteDialect });
}

export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}

/** A fresh entity manager with the SQL query builder: both dialects are SQL drivers. */
export const sqlEntityManager = (orm: MikroORM): SqlEntityManager => orm.em.fork() as unknown as SqlEntityManager;
