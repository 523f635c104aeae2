import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { openWithoutBusyWait, type BetterSqlite3Database } from './better-sqlite3.js';
import { ConnectionLender, LentConnection } from './connection-lender.js';
import { retryWhileBusy } from './retry-while-busy.js';

export interface WriteLockDialectOptions {
  file: string;
  /** How long a transaction or statement waits for another connection's write lock before SQLITE_BUSY (ms). */
  busyTimeoutMs: number;
}

/**
 * Kysely's better-sqlite3 dialect, for several connections of one process on one file (under
 * `npm start` every subgraph has its own ORM and connection). better-sqlite3's busy_timeout waits for
 * a lock synchronously: the whole process stops, the transaction holding the lock with it, which can
 * then never commit. Here a locked database fails at once and the wait is a sleep:
 * - every transaction begins with BEGIN IMMEDIATE, taking the write lock before its first statement,
 *   so it never meets SQLITE_BUSY half-way (a deferred one that has read cannot wait for the lock:
 *   its snapshot would be stale);
 * - BEGIN IMMEDIATE and statements outside a transaction are retried while SQLITE_BUSY, up to
 *   busyTimeoutMs; statements inside a transaction never are.
 * Read-only transactions take the lock too: simpler, and none are used. Readers outside a
 * transaction do not wait under WAL.
 */
export class WriteLockSqliteDialect implements Dialect {
  constructor(private readonly options: WriteLockDialectOptions) {}

  createDriver(): Driver {
    return new WriteLockDriver(this.options);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SelfSerializingSqliteAdapter();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/**
 * The driver lends its one connection itself instead of Kysely's connection mutex, which stays
 * locked for good when a transaction's BEGIN fails (kysely-org/kysely#1990) — as BEGIN IMMEDIATE
 * does when the lock stays taken.
 */
class SelfSerializingSqliteAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

/** Kysely's SQLite driver, its connection lent one caller at a time, transactions beginning immediately. */
class WriteLockDriver implements Driver {
  private sqlite?: SqliteDriver;
  private database?: BetterSqlite3Database;
  private lender?: ConnectionLender;

  constructor(private readonly options: WriteLockDialectOptions) {}

  async init(): Promise<void> {
    const database = openWithoutBusyWait(this.options.file);
    this.database = database;
    this.sqlite = new SqliteDriver({ database });
    await this.sqlite.init();
    const connection = new BusyRetryingConnection(await this.sqlite.acquireConnection(), database, this.options.busyTimeoutMs);
    // WAL: readers go on with the last commit while a writer writes.
    await connection.executeQuery(CompiledQuery.raw('pragma journal_mode = wal'));
    this.lender = new ConnectionLender(connection);
  }

  acquireConnection(): Promise<DatabaseConnection> {
    return this.lender!.lend();
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    lent(connection).giveBack();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      // No transaction will end to give the connection back (kysely-org/kysely#1990).
      lent(connection).giveBack();
      throw error;
    }
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // Some errors (SQLITE_FULL, SQLITE_IOERR, …) roll the transaction back already; ROLLBACK would
    // then fail, and Kysely would keep the connection for good.
    if (this.database!.inTransaction) await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.sqlite!.savepoint(connection, name, compileQuery);
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.sqlite!.rollbackToSavepoint(connection, name, compileQuery);
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.sqlite!.releaseSavepoint(connection, name, compileQuery);
  }

  async destroy(): Promise<void> {
    await this.sqlite?.destroy();
  }
}

const lent = (connection: DatabaseConnection): LentConnection => {
  if (!(connection instanceof LentConnection)) throw new Error('Not a connection of this SQLite driver');
  return connection;
};

/** Retries a statement refused with SQLITE_BUSY, unless it ran inside a transaction. */
class BusyRetryingConnection implements DatabaseConnection {
  constructor(
    private readonly connection: DatabaseConnection,
    private readonly database: BetterSqlite3Database,
    private readonly busyTimeoutMs: number,
  ) {}

  executeQuery<R>(query: CompiledQuery, options?: Parameters<DatabaseConnection['executeQuery']>[1]): Promise<QueryResult<R>> {
    // SQLite refused the statement, but the transaction around it goes on or was rolled back
    // depending on the error: repeating the statement alone could be wrong, so it fails.
    if (this.database.inTransaction) return this.connection.executeQuery<R>(query, options);
    return retryWhileBusy(() => this.connection.executeQuery<R>(query, options), this.busyTimeoutMs);
  }

  // Rows may have been yielded before a failure, so a stream is never repeated.
  streamQuery<R>(query: CompiledQuery, chunkSize: number, options?: Parameters<DatabaseConnection['streamQuery']>[2]): AsyncIterableIterator<QueryResult<R>> {
    return this.connection.streamQuery<R>(query, chunkSize, options);
  }
}
