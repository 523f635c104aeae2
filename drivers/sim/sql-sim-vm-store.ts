import type { SimVmRecord, SimVmStore } from './sim-vm-store.js';
import type { SqlExecutor } from './sql-executor.js';

export interface SqlSimVmStoreOptions {
  /** Defaults to `sim_vms`; tests use their own so they can share a database. */
  tableName?: string;
}

/**
 * Keeps sim VMs in the application's database (SQLite or PostgreSQL), so a restart keeps them and
 * several worker processes share one sim hypervisor. One row per VM: the whole record as JSON text
 * plus the columns the database must enforce (unique name and ref, the optimistic-lock version).
 */
export class SqlSimVmStore implements SimVmStore {
  readonly #executor: SqlExecutor;
  readonly #table: string;
  readonly #numbered: boolean;
  #ready: Promise<void> | null = null;

  constructor(executor: SqlExecutor, options: SqlSimVmStoreOptions = {}) {
    const table = options.tableName ?? 'sim_vms';
    // The name is spliced into SQL, so only plain identifiers are accepted.
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new Error(`invalid sim VM table name: ${table}`);
    this.#executor = executor;
    this.#table = table;
    this.#numbered = (executor.placeholders ?? (executor.dialect === 'postgresql' ? '$n' : '?')) === '$n';
  }

  async list(): Promise<SimVmRecord[]> {
    const rows = await this.#query(`SELECT version, data FROM ${this.#table} ORDER BY name`, []);
    return rows.map(toRecord);
  }

  async get(ref: string): Promise<SimVmRecord | null> {
    const rows = await this.#query(`SELECT version, data FROM ${this.#table} WHERE ref = ?`, [ref]);
    return rows.length ? toRecord(rows[0]) : null;
  }

  async findByName(name: string): Promise<SimVmRecord | null> {
    const rows = await this.#query(`SELECT version, data FROM ${this.#table} WHERE name = ?`, [name]);
    return rows.length ? toRecord(rows[0]) : null;
  }

  async put(record: SimVmRecord): Promise<boolean> {
    const { version, ...data } = record;
    const json = JSON.stringify(data);
    // RETURNING tells both dialects' drivers apart "written" from "someone else won" without row counts,
    // which MikroORM's execute() does not return for 'all'.
    const rows =
      version === 0
        ? await this.#query(
            `INSERT INTO ${this.#table} (name, ref, version, data) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING RETURNING ref`,
            [record.name, record.ref, json],
          )
        : await this.#query(
            `UPDATE ${this.#table} SET version = ?, data = ?, updated_at = CURRENT_TIMESTAMP
             WHERE ref = ? AND name = ? AND version = ? RETURNING ref`,
            [version + 1, json, record.ref, record.name, version],
          );
    return rows.length === 1;
  }

  async delete(ref: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#table} WHERE ref = ?`, [ref]);
  }

  /** Drops the table; for tests that made their own. */
  async drop(): Promise<void> {
    await this.#executor.execute(`DROP TABLE IF EXISTS ${this.#table}`, []);
    this.#ready = null;
  }

  async #query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    await this.#ensureTable();
    return this.#executor.execute(this.#placeholders(sql), params);
  }

  #placeholders(sql: string): string {
    if (!this.#numbered) return sql;
    let index = 0;
    return sql.replace(/\?/g, () => `$${++index}`);
  }

  #ensureTable(): Promise<void> {
    this.#ready ??= this.#createTable().catch((error: unknown) => {
      this.#ready = null; // let the next call try again (database briefly down)
      throw error;
    });
    return this.#ready;
  }

  async #createTable(): Promise<void> {
    const updatedAt =
      this.#executor.dialect === 'postgresql'
        ? 'updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP'
        : 'updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP';
    const ddl = `CREATE TABLE IF NOT EXISTS ${this.#table} (
      name TEXT PRIMARY KEY,
      ref TEXT NOT NULL UNIQUE,
      version INTEGER NOT NULL,
      data TEXT NOT NULL,
      ${updatedAt}
    )`;
    try {
      await this.#executor.execute(ddl, []);
    } catch {
      // PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a concurrent one (two workers
      // starting together): the loser fails on pg_type's unique index. The table exists by now.
      await this.#executor.execute(ddl, []);
    }
  }
}

function toRecord(row: Record<string, unknown>): SimVmRecord {
  const data = JSON.parse(String(row.data)) as Omit<SimVmRecord, 'version'>;
  return { ...data, version: Number(row.version) };
}
