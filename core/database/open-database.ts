import { setTimeout as sleep } from 'node:timers/promises';
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

/** How long a process keeps catching up while others migrate the same database. */
const CONCURRENT_MIGRATION_WAIT_MS = 60_000;

/**
 * Applies the pending migrations. Role processes started together all migrate the tables they
 * open: the first to get there applies a migration, and the others fail on it (the table it
 * creates already exists). A failure while the migrations table changed under us is that race,
 * so we read again and go on; a failure while nothing changed is a real one.
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const deadline = Date.now() + CONCURRENT_MIGRATION_WAIT_MS;
  for (;;) {
    const before = await migrationsRecorded(orm);
    try {
      return (await orm.migrator.up()).map((migration) => migration.name);
    } catch (error) {
      if ((await migrationsRecorded(orm)) === before || Date.now() > deadline) throw error;
      await sleep(50 + Math.random() * 100);
    }
  }
}

/** The migrations recorded as applied, as one string; null before the table exists. */
async function migrationsRecorded(orm: MikroORM): Promise<string | null> {
  const table = orm.config.get('migrations').tableName!;
  try {
    const rows: { name: string }[] = await orm.em.getConnection().execute(`select name from ${orm.em.getPlatform().quoteIdentifier(table)} order by name`);
    return rows.map((row) => row.name).join('\n');
  } catch {
    return null;
  }
}

/** A fresh entity manager with the SQL query builder: both dialects are SQL drivers. */
export const sqlEntityManager = (orm: MikroORM): SqlEntityManager => orm.em.fork() as unknown as SqlEntityManager;
