import type { Instance } from '../support/hostgraph-instance.js';
import { openIdentityDatabase } from '../../subgraphs/identity/identity-database.js';

/**
 * Rows as the instance's database holds them, read beside it with a connection of its own: what
 * the API does not show (a secret's hash, a usage counter, every column of the audit log).
 */
export async function openStoredRows(instance: Instance) {
  const orm = await openIdentityDatabase(instance.config.databaseUrl);
  return {
    rows: (sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> => orm.em.getConnection().execute(sql, params),
    close: () => orm.close(),
  };
}

/** One query on a connection of its own. */
export async function storedRows(instance: Instance, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const stored = await openStoredRows(instance);
  try {
    return await stored.rows(sql, params);
  } finally {
    await stored.close();
  }
}
