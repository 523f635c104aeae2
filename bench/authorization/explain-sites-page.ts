import { openHostingDatabase } from '../../subgraphs/hosting/hosting-database.js';

/**
 * The database's plans for the two statements `sites(first: 20)` makes (the page and its
 * totalCount), as hosting's SiteService.list words them: for a member the site ids come from a
 * subquery on hosting's copy of the grants (SiteAccess.visibleSiteIds); a platform admin has none.
 * PostgreSQL says what it did and how long it took (EXPLAIN ANALYZE); SQLite says what it would do
 * (EXPLAIN QUERY PLAN), and the statement is timed over 500 runs.
 */
export async function explainSitesPage(databaseUrl: string, username: string, groups: string[]): Promise<Record<string, string>> {
  const postgres = databaseUrl.startsWith('postgres');
  const visible = `select site_id from site_access where granted = ? and ((grantee_kind = 'USER' and grantee = ?) or (grantee_kind = 'GROUP' and grantee in (${groups.map(() => '?').join(', ')})))`;
  const params = [postgres ? true : 1, username, ...groups];
  const statements: Record<string, [string, unknown[]]> = {
    'member page': [`select s0.* from sites as s0 where s0.id in (${visible}) order by s0.name asc limit 21`, params],
    'member count': [`select count(*) as count from sites as s0 where s0.id in (${visible})`, params],
    'admin page': ['select s0.* from sites as s0 order by s0.name asc limit 21', []],
    'admin count': ['select count(*) as count from sites as s0', []],
  };
  const orm = await openHostingDatabase(databaseUrl);
  try {
    const connection = orm.em.getConnection();
    const plans: Record<string, string> = {};
    for (const [name, [sql, values]] of Object.entries(statements)) {
      if (postgres) {
        const rows = (await connection.execute(`explain (analyze, buffers) ${sql}`, values)) as Record<string, string>[];
        plans[name] = rows.map((row) => row['QUERY PLAN']).join('\n');
        continue;
      }
      const rows = (await connection.execute(`explain query plan ${sql}`, values)) as { detail: string }[];
      for (let i = 0; i < 50; i++) await connection.execute(sql, values);
      const started = performance.now();
      for (let i = 0; i < 500; i++) await connection.execute(sql, values);
      plans[name] = `${rows.map((row) => row.detail).join('\n')}\n${((performance.now() - started) / 500).toFixed(3)} ms per run`;
    }
    return plans;
  } finally {
    await orm.close();
  }
}
