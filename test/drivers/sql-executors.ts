import { createRequire } from 'node:module';
import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { sqlExecutorFromMikroOrm, type SqlExecutor } from '../../drivers/sim/sql-executor.js';

/** The local test cluster (trust auth); override with TEST_POSTGRES_URL. */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** An executor and the connection behind it; each call opens its own connection, like a separate worker. */
export interface OpenExecutor {
  executor: SqlExecutor;
  close(): Promise<void>;
}

// better-sqlite3 and pg ship no type declarations and @types packages are not installed: describe
// the few members used here.
interface SqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): Record<string, unknown>[];
  run(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  pragma(pragma: string): unknown;
  close(): void;
}
interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

const require = createRequire(import.meta.url);
const BetterSqlite3 = require('better-sqlite3') as new (file: string) => SqliteDatabase;
const pg = require('pg') as { Client: new (options: { connectionString: string }) => PgClient };

/** better-sqlite3 used directly, `?` placeholders. */
export async function openSqliteExecutor(file: string): Promise<OpenExecutor> {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = wal');
  db.pragma('busy_timeout = 5000');
  return {
    executor: {
      dialect: 'sqlite',
      async execute(sql, params) {
        const statement = db.prepare(sql);
        // better-sqlite3 refuses all() for statements that return no rows (DDL, DELETE without RETURNING).
        if (statement.reader) return statement.all(...params);
        statement.run(...params);
        return [];
      },
    },
    close: async () => db.close(),
  };
}

/** node-postgres used directly, `$1` placeholders. */
export async function openPostgresExecutor(url = POSTGRES_URL): Promise<OpenExecutor> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    executor: { dialect: 'postgresql', execute: async (sql, params) => (await client.query(sql, params)).rows },
    close: () => client.end(),
  };
}

/** MikroORM's connection, as the worker passes it: `?` placeholders for both dialects. */
export async function openMikroOrmExecutor(dialect: SqlExecutor['dialect'], target: string): Promise<OpenExecutor> {
  const common = { entities: [], allowGlobalContext: false, discovery: { warnWhenNoEntities: false } };
  const orm =
    dialect === 'postgresql'
      ? await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: target })
      : await MikroORM.init({ ...common, driver: SqliteDriver, dbName: target });
  return { executor: sqlExecutorFromMikroOrm(orm.em.getConnection(), dialect), close: () => orm.close() };
}
