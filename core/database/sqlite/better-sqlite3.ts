import { createRequire } from 'node:module';
import type { SqliteDatabase } from 'kysely';

/**
 * The members of better-sqlite3's `Database` used here: it ships no type declarations and
 * @types/better-sqlite3 is not installed.
 */
export interface BetterSqlite3Database extends SqliteDatabase {
  /** Whether a transaction is open on this connection. */
  readonly inTransaction: boolean;
}

interface BetterSqlite3Options {
  /** How long a statement waits, blocking the process, for another connection's lock (ms). */
  timeout?: number;
}

const require = createRequire(import.meta.url);
const BetterSqlite3 = require('better-sqlite3') as new (file: string, options?: BetterSqlite3Options) => BetterSqlite3Database;

/** A connection that never waits for a lock by itself: a locked database fails at once with SQLITE_BUSY. */
export const openWithoutBusyWait = (file: string): BetterSqlite3Database => new BetterSqlite3(file, { timeout: 0 });
