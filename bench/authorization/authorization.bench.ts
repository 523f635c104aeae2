import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import type { Benchmark, Measurement } from '../benchmark.js';
import { query } from '../../test/support/graphql-client.js';
import { createPostgresDatabase } from '../../test/support/postgres-database.js';
import { providePostgres } from '../../test/support/servers.js';
import type { RawRound } from '../support/autocannon-aggregate.js';
import { startChildInstance } from '../support/child-instance.js';
import { gatewayTarget, loadRound, summarizeRounds, type LoadSummary } from '../support/sites-page-load.js';
import { SiteAccessEntity } from '../../subgraphs/hosting/access/site-access-entities.js';
import { openHostingDatabase } from '../../subgraphs/hosting/hosting-database.js';
import { SiteEntity } from '../../subgraphs/hosting/sites/site-entity.js';
import { explainSitesPage } from './explain-sites-page.js';

const SITES = 1000;
const GROUPS = 100;
/** The member belongs to half the groups, directly: 50 groups, and through them 500 of the sites. */
const MEMBER_GROUPS = 50;
const VISIBLE_TO_MEMBER = (SITES * MEMBER_GROUPS) / GROUPS;
const WARM_UP_SECONDS = 3;
const ROUND_SECONDS = 4;
const ROUNDS = 3;
/** The member's latency may be at most this share of the platform admin's. */
const MAX_LATENCY_RATIO = 120;

const TOKENS = { member: 'member-bench-token', admin: 'admin-bench-token' };
const groupId = (i: number) => `dept-${String(i + 1).padStart(3, '0')}`;

/** One person in 50 groups, another in the other 50, so every group has a member. */
const directory = stringify({
  users: [
    { username: 'member', displayName: 'Member of fifty groups', uidNumber: 40001, gidNumber: 40000 },
    { username: 'other', displayName: 'Member of the other fifty', uidNumber: 40002, gidNumber: 40000 },
  ],
  groups: Array.from({ length: GROUPS }, (_, i) => ({ id: groupId(i), name: `Department ${i + 1}`, members: [i < MEMBER_GROUPS ? 'member' : 'other'] })),
});

/**
 * The sites and hosting's copy of their grants, written straight into the database: the benchmark
 * is about reading them, and a thousand create-site workflows take longer than the measurement on
 * a shared machine. Each site gets one group with SSH access, round robin, so the member's groups
 * reach half of them; nobody is granted anything directly.
 */
async function seedSitesAndGrants(databaseUrl: string): Promise<void> {
  const orm = await openHostingDatabase(databaseUrl);
  try {
    const now = Date.now();
    const sites = Array.from({ length: SITES }, (_, i) => ({
      id: randomUUID(),
      name: `bench-site-${String(i + 1).padStart(4, '0')}`,
      description: null,
      state: 'RUNNING' as const,
      flavor: 'small',
      vmRef: `sim-${i + 1}`,
      owner: 'root',
      createdAt: new Date(now + i),
      updatedAt: new Date(now + i),
    }));
    const grants = sites.map((site, i) => ({ siteId: site.id, role: 'SSH' as const, granteeKind: 'GROUP' as const, grantee: groupId(i % GROUPS), granted: true, seq: i + 1 }));
    await orm.em.fork().transactional(async (em) => {
      for (let i = 0; i < SITES; i += 250) {
        await em.insertMany(SiteEntity, sites.slice(i, i + 250));
        await em.insertMany(SiteAccessEntity, grants.slice(i, i + 250));
      }
    });
    // What autovacuum does on a PostgreSQL in service; the embedded SQLite never gathers statistics.
    if (databaseUrl.startsWith('postgres')) await orm.em.getConnection().execute('analyze sites, site_access');
  } finally {
    await orm.close();
  }
}

interface DatabaseRun {
  member: LoadSummary;
  admin: LoadSummary;
  plans: Record<string, string>;
}

async function measure(database: 'sqlite' | string): Promise<DatabaseRun> {
  const instance = await startChildInstance({
    database,
    directory,
    settings: { devTokens: { [TOKENS.member]: { username: 'member' }, [TOKENS.admin]: { username: 'root', admin: true } } },
  });
  try {
    await seedSitesAndGrants(instance.config.databaseUrl);
    for (const [token, expected] of [[TOKENS.member, VISIBLE_TO_MEMBER], [TOKENS.admin, SITES]] as const) {
      const { sites } = await query(instance.url, '{ sites(first: 1) { totalCount } }', {}, token);
      if (sites.totalCount !== expected) throw new Error(`${token} sees ${sites.totalCount} sites, not ${expected}`);
    }
    const member = gatewayTarget(instance.url, TOKENS.member);
    const admin = gatewayTarget(instance.url, TOKENS.admin);
    for (const target of [member, admin]) await loadRound(target, WARM_UP_SECONDS);
    const rounds = new Map([
      [member, [] as RawRound[]],
      [admin, [] as RawRound[]],
    ]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of round % 2 === 0 ? [member, admin] : [admin, member]) rounds.get(target)!.push(await loadRound(target, ROUND_SECONDS));
    }
    const plans = await explainSitesPage(instance.config.databaseUrl, 'member', Array.from({ length: MEMBER_GROUPS }, (_, i) => groupId(i)));
    return { member: summarizeRounds(member, rounds.get(member)!), admin: summarizeRounds(admin, rounds.get(admin)!), plans };
  } finally {
    await instance.stop();
  }
}

const measurementsOf = (name: string, run: DatabaseRun): Measurement[] => [
  { label: `${name}: member of ${MEMBER_GROUPS} groups, p50`, value: run.member.p50Ms, unit: 'ms' },
  { label: `${name}: member of ${MEMBER_GROUPS} groups, p99`, value: run.member.p99Ms, unit: 'ms' },
  { label: `${name}: platform admin, p50`, value: run.admin.p50Ms, unit: 'ms' },
  { label: `${name}: platform admin, p99`, value: run.admin.p99Ms, unit: 'ms' },
  { label: `${name}: member / admin latency p50`, value: (100 * run.member.p50Ms) / run.admin.p50Ms, unit: '%', target: { kind: 'below', bound: MAX_LATENCY_RATIO } },
  { label: `${name}: member / admin latency p99`, value: (100 * run.member.p99Ms) / run.admin.p99Ms, unit: '%', target: { kind: 'below', bound: MAX_LATENCY_RATIO } },
  { label: `${name}: member / admin throughput`, value: (100 * run.member.requestsPerSecond) / run.admin.requestsPerSecond, unit: '%' },
];

/**
 * Does authorization make the API slower to use? `sites(first: 20)` through the gateway, with
 * 1,000 sites in the database, for someone whose 50 groups reach 500 of them, against the same
 * query for a platform admin (no authorization filter at all), on SQLite and on PostgreSQL. The
 * two callers take turns, in alternating order, against one server process.
 */
export const authorization: Benchmark = {
  name: 'authorization',
  description: `sites(first: 20) over ${SITES} sites: a member of ${MEMBER_GROUPS} groups vs a platform admin`,
  async run() {
    const sqlite = await measure('sqlite');
    const server = await providePostgres();
    let postgres: DatabaseRun;
    try {
      const db = await createPostgresDatabase(server.url);
      try {
        postgres = await measure(db.url);
      } finally {
        await db.drop();
      }
    } finally {
      await server.stop();
    }
    return {
      measurements: [...measurementsOf('SQLite', sqlite), ...measurementsOf('PostgreSQL', postgres)],
      details: {
        sites: SITES,
        groups: GROUPS,
        memberGroups: MEMBER_GROUPS,
        visibleToMember: VISIBLE_TO_MEMBER,
        warmUpSeconds: WARM_UP_SECONDS,
        roundSeconds: ROUND_SECONDS,
        rounds: ROUNDS,
        sqlite: { member: sqlite.member, admin: sqlite.admin, plans: sqlite.plans },
        postgres: { member: postgres.member, admin: postgres.admin, plans: postgres.plans },
      },
    };
  },
};
