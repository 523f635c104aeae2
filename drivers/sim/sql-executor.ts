/**
 * The one thing SqlSimVmStore needs from a database: run a statement, get its rows back. Kept this
 * small so the sim needs neither MikroORM nor a particular client library.
 */
export interface SqlExecutor {
  dialect: 'sqlite' | 'postgresql';
  /**
   * How parameters are written in `sql`. Defaults to the dialect's native style: `?` for SQLite,
   * `$1, $2…` for PostgreSQL (node-postgres). MikroORM's `connection.execute()` wants `?` for every
   * dialect because it interpolates the values itself, so `sqlExecutorFromMikroOrm` sets `'?'`.
   */
  placeholders?: '?' | '$n';
  /** Runs one statement; returns its rows (`[]` for statements without rows). */
  execute(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
}

/** The part of a MikroORM SQL connection (`em.getConnection()`) the executor uses. */
export interface MikroOrmSqlConnection {
  execute(sql: string, params: unknown[], method: 'all'): Promise<unknown>;
}

/**
 * Runs the sim's statements through MikroORM's connection, so the sim shares the application's
 * database and pool: `sqlExecutorFromMikroOrm(orm.em.getConnection(), dialectOf(config.databaseUrl))`.
 */
export function sqlExecutorFromMikroOrm(connection: MikroOrmSqlConnection, dialect: SqlExecutor['dialect']): SqlExecutor {
  return {
    dialect,
    placeholders: '?',
    async execute(sql, params) {
      const rows = await connection.execute(sql, params, 'all');
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
  };
}
