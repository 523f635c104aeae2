import { MikroORM, type Constructor, type EntitySchema } from '@mikro-orm/core';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import type { Logger } from '../logger.js';

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
  const orm = await MikroORM.init({ ...common, driver: SqliteDriver, dbName: options.url.replace(/^sqlite:/, '') });
  // better-sqlite3 holds one connection per ORM. WAL lets readers go on while a worker writes;
  // busy_timeout makes writers from other processes wait instead of failing with SQLITE_BUSY.
  const connection = orm.em.getConnection();
  await connection.execute('pragma journal_mode = wal');
  await connection.execute('pragma busy_timeout = 10000');
  return orm;
}

export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}

/** A fresh entity manager with the SQL query builder: both dialects are SQL drivers. */
export const sqlEntityManager = (orm: MikroORM): SqlEntityManager => orm.em.fork() as unknown as SqlEntityManager;
