import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { CertificatesConfig } from '../plugins/certificates/create-certificate-issuer.js';
import type { DirectoryConfig } from '../plugins/directory/create-directory.js';
import type { DnsPublisherConfig } from '../plugins/dns/create-dns-publisher.js';
import { forwardZones } from '../plugins/dns/managed-zones.js';
import type { ProvisionerConfig } from '../plugins/provisioner/create-provisioner.js';

/**
 * Configuration comes from environment variables, then `hostgraph.yaml` (or HOSTGRAPH_CONFIG),
 * then the embedded defaults. Everything a process needs is here; nothing else reads `process.env`.
 */

export interface Flavor {
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  /** Only hosts with this driver (`kvm`, …) take sites of this flavor; any host when absent. */
  driver?: string;
}

export interface DevToken {
  username: string;
  admin?: boolean;
  groups?: string[];
}

export interface SimDriverConfig {
  /** Milliseconds each hypervisor operation takes. */
  latencyMs: number;
  /** `operation` → probability 0–1 of a Transient failure, for chaos testing. */
  faults: Record<string, number>;
}

/** Upper bounds for one person; null is no limit. */
export interface QuotaLimits {
  sites: number | null;
  vcpus: number | null;
  memoryMiB: number | null;
  snapshots: number | null;
}

export interface IdentityConfig {
  /** node-cron expression (with seconds) of the directory sync, run by the scheduler role. */
  syncSchedule: string;
  /** The copy of the directory is called stale once its last good sync is older than this. */
  staleAfterSeconds: number;
  /** How long a gateway trusts what it learned about a caller (groups, active) without asking again. */
  principalCacheSeconds: number;
  /** How long a gateway trusts a verified API token; revocation reaches it sooner through the bus. */
  apiTokenCacheSeconds: number;
}

/** A hypervisor host the inventory registers at start when it has none (the embedded default's sim host). */
export interface SeedHost {
  name: string;
  driver: string;
  uri: string;
  credentialRef?: string | null;
  location?: string | null;
  capacity: { vcpus: number; memoryMiB: number; diskGiB: number };
}

export interface InventoryConfig {
  /** How far placement may allocate beyond a host's capacity: 4 lets 4 vCPUs share a core. */
  overcommit: { vcpus: number; memory: number; disk: number };
  /** Registered at start when the inventory has no host yet; set `[]` in production. */
  seedHosts: SeedHost[];
  /** node-cron expression (with seconds) of the reconciliation the worker role runs. */
  reconcileSchedule: string;
  /** A reconciliation that takes longer than this loses its lease to the next worker. */
  reconcileLeaseMs: number;
  /** How long the `reconcile` mutation waits for a worker to answer. */
  reconcileWaitMs: number;
}

/** The metrics subgraph: what it ingests, how long it keeps it, and how usage is grouped for billing. */
export interface MetricsConfig {
  /** Where the metrics role listens for the Graphite plaintext protocol (collectd's write_graphite). */
  graphite: { host: string; port: number };
  /** Path components before the host name (collectd's `Prefix "collectd."` is 1). */
  graphitePrefixDepth: number;
  /** How long raw points are kept; 1-minute and 1-hour rollups outlive them. */
  rawRetentionHours: number;
  minuteRetentionDays: number;
  hourRetentionDays: number;
  /** node-cron expression (with seconds) of the rollup and retention run, in the scheduler role. */
  rollupSchedule: string;
  /** Points are written in batches of at most this many, or every flushMs, whichever comes first. */
  batchSize: number;
  flushMs: number;
  /** Unwritten points one connection may have before it is paused (TCP backpressure to that sender only). */
  perConnectionBuffer: number;
  /** How long a host name's VM is remembered (a name hosting does not know: a tenth of this). */
  hostCacheSeconds: number;
  /** Group id → institution, for `usage(groupBy: INSTITUTION)`. */
  institutions: Record<string, string>;
  /** The metric the status dashboard draws for each site. */
  dashboardMetric: string;
}

/** How the worker configures a site's VM, and what sites may ask of it. */
export interface ProvisioningConfig {
  /** `sim` (the default, for the sim hypervisor) or `ssh` for real VMs. */
  provisioner: ProvisionerConfig;
  /** The only packages installPackages / removePackages accept. */
  approvedPackages: string[];
  /** node-cron expression (with seconds): the scheduler compares each site's accounts with identity's. */
  accountsRefreshSchedule: string;
  /** node-cron expression (with seconds): the scheduler renews certificates that are due. */
  certificateRenewalSchedule: string;
  /**
   * node-cron expression (with seconds): the scheduler compares vhosts' names with their sites'
   * domain names in ipreg and takes off those ipreg no longer gives the site (a removal whose bus
   * message was missed).
   */
  vhostNamesReconcileSchedule: string;
}

/** What the scheduler role does to sites over time. */
export interface SiteLifecycleConfig {
  /** How long a cancelled site is kept, powered off, before it is destroyed with its VM, addresses and records. */
  cancelledRetentionHours: number;
  /** node-cron expression (with seconds) of the sweep that destroys cancelled sites past their retention. */
  cancelledSweepSchedule: string;
  /** A snapshot of every site's production VM each night; the oldest beyond `keep` or `maxAgeDays` are deleted. */
  nightlySnapshots: { schedule: string; keep: number; maxAgeDays: number };
}

/** An address pool the IP registry creates at start when it has none (the embedded default's documentation prefixes). */
export interface SeedPool {
  name: string;
  prefix: string;
  purpose: 'SERVICE' | 'HOST' | 'TEST';
  /** The managed zone its names are made in. */
  zone: string;
  gateway?: string | null;
  reserved?: { from: string; to: string }[];
}

/** The IP registry: pools, names, host keys, domain names. */
export interface IpregConfig {
  /** Created at start when there is no pool yet; set `[]` in production. */
  seedPools: SeedPool[];
  /** How long a released address stays QUARANTINED before it may be handed out again. */
  quarantineSeconds: number;
  /** TTL of the records Hostgraph publishes. */
  recordTtl: number;
  /** Base64 of 32 bytes (openssl rand -base64 32) sealing private host keys; generated into ./data otherwise. */
  hostKeyEncryptionKey: string;
  /**
   * Ready names (with addresses, records and host keys) kept per purpose, 2 by default; 0 turns
   * preallocation off. On the embedded SQLite too: a write that meets another subgraph's open
   * transaction waits without stopping the process (core/database/sqlite).
   */
  preallocate: { count: number; schedule: string };
  /**
   * Who may take domain names inside the managed zones without an admin's approval: a zone (or a
   * part of one, `physics.hosting.example.org`) → the groups allowed names under it.
   */
  zoneGroups: Record<string, string[]>;
  /** Where EXTERNAL names' TXT tokens are looked up: `host:port` of resolvers; the system's when empty. */
  verificationResolvers: string[];
}

/** The Prometheus listener of roles that have no HTTP server of their own. */
export interface ObservabilityConfig {
  workerMetricsPort: number;
  schedulerMetricsPort: number;
}

export interface Config {
  dataDir: string;
  /** `sqlite:<file>` by default, or a `postgres://` URL. */
  databaseUrl: string;
  redisUrl: string | null;
  /** Names the task queue, so several installations (or test runs) can share one Redis. */
  queueName: string;
  gateway: { host: string; port: number; maxQueryBytes: number; maxDepth: number };
  /** Where each subgraph listens, and the URL the gateway uses to reach it. */
  subgraphs: Record<SubgraphName, { host: string; port: number; url: string }>;
  /** HMAC secret shared by the gateway and the subgraphs. */
  principalSecret: string;
  devTokens: Record<string, DevToken>;
  jwt: { issuer: string; jwksUrl: string; audience?: string; usernameClaim: string; groupsClaim: string } | null;
  adminGroups: string[];
  /** Where people and groups come from. */
  directory: DirectoryConfig;
  identity: IdentityConfig;
  /** Applies to everyone, alongside the quotas admins set on users and groups; the smallest wins. */
  defaultQuota: QuotaLimits;
  flavors: Record<string, Flavor>;
  hypervisor: { sim: SimDriverConfig };
  inventory: InventoryConfig;
  /**
   * Secrets that hypervisor hosts name by reference (`secret:NAME`): `secrets` in the file and
   * HOSTGRAPH_SECRET_<NAME> in the environment. Never in the API, the database or a log.
   */
  secrets: Record<string, string>;
  /** Where `hostgraph inventory` asks (HOSTGRAPH_URL) and with which token (HOSTGRAPH_TOKEN). */
  client: { gatewayUrl: string; token: string | null };
  worker: { concurrency: number; leaseMs: number };
  metrics: MetricsConfig;
  provisioning: ProvisioningConfig;
  /**
   * Where vhosts' certificates come from: the internal CA unless configured. For acme, `dns` says
   * where the DNS-01 challenges are published (an RFC 2136 server or zone files).
   */
  certificates: CertificatesConfig & { dns?: DnsPublisherConfig };
  siteLifecycle: SiteLifecycleConfig;
  ipreg: IpregConfig;
  /** Where DNS records go: zone files (the embedded default) or RFC 2136 updates to a primary. */
  dns: DnsPublisherConfig;
  observability: ObservabilityConfig;
  logLevel: string;
}

/** Appended in order of arrival: a subgraph's default port (PORT + 1 + its index) never moves. */
export const SUBGRAPH_NAMES = ['hosting', 'identity', 'inventory', 'metrics', 'ipreg'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const DEFAULT_FLAVORS: Record<string, Flavor> = {
  small: { vcpus: 1, memoryMiB: 2048, diskGiB: 20 },
  medium: { vcpus: 2, memoryMiB: 4096, diskGiB: 40 },
  large: { vcpus: 4, memoryMiB: 8192, diskGiB: 80 },
};

type Env = Record<string, string | undefined>;

/** The embedded default's people and groups, shipped with the code. */
export const EXAMPLE_DIRECTORY_FILE = fileURLToPath(new URL('../plugins/directory/static/example-directory.yaml', import.meta.url));

const NO_LIMITS: QuotaLimits = { sites: null, vcpus: null, memoryMiB: null, snapshots: null };

/** Secrets the embedded default invents once and keeps in the data folder, so restarts agree. */
function persistentSecret(dataDir: string, file: string, encoding: 'base64url' | 'base64' = 'base64url'): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(32).toString(encoding);
  writeFileSync(path, secret + '\n', { mode: 0o600 });
  return secret;
}

function readConfigFile(env: Env): Record<string, any> {
  const path = env.HOSTGRAPH_CONFIG ?? 'hostgraph.yaml';
  if (!existsSync(path)) {
    if (env.HOSTGRAPH_CONFIG) throw new Error(`HOSTGRAPH_CONFIG names ${path}, which does not exist`);
    return {};
  }
  return (parseYaml(readFileSync(path, 'utf8')) as Record<string, any>) ?? {};
}

const int = (value: string | undefined, fallback: number) => (value ? Number.parseInt(value, 10) : fallback);

/** The embedded default's one hypervisor: the sim, with room for a few hundred small sites. */
const DEFAULT_SEED_HOSTS: SeedHost[] = [
  { name: 'sim-1', driver: 'sim', uri: 'sim:///default', location: 'embedded', capacity: { vcpus: 256, memoryMiB: 1024 * 1024, diskGiB: 16 * 1024 } },
];

/** What sites may install without asking the operators: common web stacks' parts. */
const DEFAULT_APPROVED_PACKAGES = ['php-fpm', 'php-mysql', 'php-pgsql', 'php-gd', 'php-curl', 'php-xml', 'php-mbstring', 'mariadb-server', 'postgresql', 'git', 'rsync', 'imagemagick', 'python3-venv'];
/** The embedded default's pools: documentation prefixes (RFC 5737, RFC 3849), a /64 per purpose. */
const DEFAULT_ZONE = 'hosting.example.org';
const DEFAULT_SEED_POOLS: SeedPool[] = [
  { name: 'service-v4', prefix: '192.0.2.0/24', purpose: 'SERVICE', zone: DEFAULT_ZONE, gateway: '192.0.2.1' },
  { name: 'service-v6', prefix: '2001:db8:0:1::/64', purpose: 'SERVICE', zone: DEFAULT_ZONE, gateway: '2001:db8:0:1::1' },
  { name: 'host-v4', prefix: '198.51.100.0/24', purpose: 'HOST', zone: DEFAULT_ZONE, gateway: '198.51.100.1' },
  { name: 'host-v6', prefix: '2001:db8:0:2::/64', purpose: 'HOST', zone: DEFAULT_ZONE, gateway: '2001:db8:0:2::1' },
  { name: 'test-v4', prefix: '203.0.113.0/24', purpose: 'TEST', zone: DEFAULT_ZONE, gateway: '203.0.113.1' },
  { name: 'test-v6', prefix: '2001:db8:0:3::/64', purpose: 'TEST', zone: DEFAULT_ZONE, gateway: '2001:db8:0:3::1' },
];
const DEFAULT_DNS_ZONES = [DEFAULT_ZONE, '2.0.192.in-addr.arpa', '100.51.198.in-addr.arpa', '113.0.203.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa'];

/** zonefile under ./data/zones unless the file says otherwise; an RFC 2136 key's secret may come from DNS_TSIG_SECRET. */
function dnsConfig(env: Env, file: Record<string, any>, dataDir: string): DnsPublisherConfig {
  const dns = file.dns as DnsPublisherConfig | undefined;
  if (dns?.kind === 'rfc2136') return { ...dns, keySecret: env.DNS_TSIG_SECRET ?? dns.keySecret };
  return dns ?? { kind: 'zonefile', directory: join(dataDir, 'zones'), zones: DEFAULT_DNS_ZONES, nameServers: [`ns.${DEFAULT_ZONE}`] };
}

const SECRET_PREFIX = 'HOSTGRAPH_SECRET_';

/** `secrets` from the file, overridden by HOSTGRAPH_SECRET_<NAME> variables. */
function secretsOf(env: Env, file: Record<string, any>): Record<string, string> {
  const secrets: Record<string, string> = { ...(file.secrets ?? {}) };
  for (const [key, value] of Object.entries(env)) if (key.startsWith(SECRET_PREFIX) && value !== undefined) secrets[key.slice(SECRET_PREFIX.length)] = value;
  return secrets;
}

/** The directory from the file, its bind password from the environment so it need not sit in a file. */
function directoryConfig(env: Env, file: Record<string, any>): DirectoryConfig {
  const directory: DirectoryConfig = file.directory ?? { kind: 'static', file: env.DIRECTORY_FILE ?? EXAMPLE_DIRECTORY_FILE };
  if (directory.kind === 'ldap' && env.LDAP_BIND_PASSWORD) return { ...directory, bindPassword: env.LDAP_BIND_PASSWORD };
  return directory;
}

export function loadConfig(env: Env = process.env): Config {
  const file = readConfigFile(env);
  const dataDir = resolve(env.HOSTGRAPH_DATA_DIR ?? file.dataDir ?? 'data');
  mkdirSync(dataDir, { recursive: true });

  const host = env.HOST ?? file.host ?? '127.0.0.1';
  const gatewayPort = int(env.PORT, file.port ?? 4000);
  const subgraphs = Object.fromEntries(
    SUBGRAPH_NAMES.map((name, i) => {
      const port = int(env[`${name.toUpperCase()}_PORT`], file.subgraphs?.[name]?.port ?? gatewayPort + 1 + i);
      const url = env[`${name.toUpperCase()}_URL`] ?? file.subgraphs?.[name]?.url ?? `http://${host}:${port}/graphql`;
      return [name, { host, port, url }];
    }),
  ) as Config['subgraphs'];

  const jwtIssuer = env.JWT_ISSUER ?? file.jwt?.issuer;
  const devTokens: Record<string, DevToken> = file.devTokens ?? {
    [env.HOSTGRAPH_DEV_TOKEN ?? persistentSecret(dataDir, 'dev-token')]: { username: 'dev', admin: true },
  };

  const dns = dnsConfig(env, file, dataDir);
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL ?? file.databaseUrl ?? `sqlite:${join(dataDir, 'hostgraph.sqlite')}`,
    redisUrl: env.REDIS_URL ?? file.redisUrl ?? null,
    queueName: env.HOSTGRAPH_QUEUE ?? file.queueName ?? 'hostgraph-tasks',
    gateway: {
      host,
      port: gatewayPort,
      maxQueryBytes: file.gateway?.maxQueryBytes ?? 64 * 1024,
      maxDepth: file.gateway?.maxDepth ?? 12,
    },
    subgraphs,
    principalSecret: env.PRINCIPAL_SECRET ?? file.principalSecret ?? persistentSecret(dataDir, 'principal-secret'),
    devTokens,
    jwt: jwtIssuer
      ? {
          issuer: jwtIssuer,
          jwksUrl: env.JWKS_URL ?? file.jwt?.jwksUrl,
          audience: env.JWT_AUDIENCE ?? file.jwt?.audience,
          usernameClaim: file.jwt?.usernameClaim ?? 'preferred_username',
          groupsClaim: file.jwt?.groupsClaim ?? 'groups',
        }
      : null,
    adminGroups: file.adminGroups ?? ['hostgraph-admins'],
    directory: directoryConfig(env, file),
    identity: {
      syncSchedule: env.DIRECTORY_SYNC_SCHEDULE ?? file.identity?.syncSchedule ?? '0 */5 * * * *',
      staleAfterSeconds: file.identity?.staleAfterSeconds ?? 900,
      principalCacheSeconds: file.identity?.principalCacheSeconds ?? 30,
      apiTokenCacheSeconds: file.identity?.apiTokenCacheSeconds ?? 10,
    },
    defaultQuota: { ...NO_LIMITS, ...file.defaultQuota },
    flavors: file.flavors ?? DEFAULT_FLAVORS,
    hypervisor: {
      sim: {
        latencyMs: int(env.SIM_LATENCY_MS, file.hypervisor?.sim?.latencyMs ?? 50),
        faults: file.hypervisor?.sim?.faults ?? {},
      },
    },
    inventory: {
      overcommit: { vcpus: 4, memory: 1, disk: 1, ...file.inventory?.overcommit },
      seedHosts: file.inventory?.seedHosts ?? DEFAULT_SEED_HOSTS,
      reconcileSchedule: env.RECONCILE_SCHEDULE ?? file.inventory?.reconcileSchedule ?? '0 */5 * * * *',
      reconcileLeaseMs: file.inventory?.reconcileLeaseMs ?? 10 * 60_000,
      reconcileWaitMs: file.inventory?.reconcileWaitMs ?? 60_000,
    },
    secrets: secretsOf(env, file),
    client: {
      gatewayUrl: env.HOSTGRAPH_URL ?? file.client?.gatewayUrl ?? `http://${host}:${gatewayPort}`,
      token: env.HOSTGRAPH_TOKEN ?? file.client?.token ?? null,
    },
    worker: {
      concurrency: int(env.WORKER_CONCURRENCY, file.worker?.concurrency ?? 4),
      leaseMs: int(env.TASK_LEASE_MS, file.worker?.leaseMs ?? 15_000),
    },
    metrics: {
      graphite: { host, port: int(env.GRAPHITE_PORT, file.metrics?.graphitePort ?? 2003) },
      graphitePrefixDepth: file.metrics?.graphitePrefixDepth ?? 0,
      rawRetentionHours: file.metrics?.rawRetentionHours ?? 48,
      minuteRetentionDays: file.metrics?.minuteRetentionDays ?? 35,
      hourRetentionDays: file.metrics?.hourRetentionDays ?? 800,
      rollupSchedule: env.METRICS_ROLLUP_SCHEDULE ?? file.metrics?.rollupSchedule ?? '15 * * * * *',
      batchSize: file.metrics?.batchSize ?? 5000,
      flushMs: file.metrics?.flushMs ?? 200,
      perConnectionBuffer: file.metrics?.perConnectionBuffer ?? 20_000,
      hostCacheSeconds: file.metrics?.hostCacheSeconds ?? 300,
      institutions: file.metrics?.institutions ?? {},
      dashboardMetric: file.metrics?.dashboardMetric ?? 'load.load.shortterm',
    },
    provisioning: {
      provisioner: file.provisioning?.provisioner ?? { kind: 'sim' },
      approvedPackages: file.provisioning?.approvedPackages ?? DEFAULT_APPROVED_PACKAGES,
      accountsRefreshSchedule: file.provisioning?.accountsRefreshSchedule ?? '30 */5 * * * *',
      certificateRenewalSchedule: file.provisioning?.certificateRenewalSchedule ?? '0 17 3 * * *',
      vhostNamesReconcileSchedule: file.provisioning?.vhostNamesReconcileSchedule ?? '45 */5 * * * *',
    },
    // Sites' service names are made in the managed forward zones (ipreg's pools must be in them): the issuer's domains unless told.
    certificates: { kind: 'internalCA', ...file.certificates, domains: file.certificates?.domains ?? forwardZones(dns.zones) },
    siteLifecycle: {
      cancelledRetentionHours: file.siteLifecycle?.cancelledRetentionHours ?? 30 * 24,
      cancelledSweepSchedule: file.siteLifecycle?.cancelledSweepSchedule ?? '0 17 * * * *',
      nightlySnapshots: { schedule: '0 30 2 * * *', keep: 7, maxAgeDays: 14, ...file.siteLifecycle?.nightlySnapshots },
    },
    ipreg: {
      seedPools: file.ipreg?.seedPools ?? DEFAULT_SEED_POOLS,
      quarantineSeconds: file.ipreg?.quarantineSeconds ?? 7 * 24 * 3600,
      recordTtl: file.ipreg?.recordTtl ?? 300,
      hostKeyEncryptionKey: env.HOST_KEY_ENCRYPTION_KEY ?? file.ipreg?.hostKeyEncryptionKey ?? persistentSecret(dataDir, 'host-key-encryption-key', 'base64'),
      preallocate: {
        count: file.ipreg?.preallocate?.count ?? 2,
        schedule: env.PREALLOCATE_SCHEDULE ?? file.ipreg?.preallocate?.schedule ?? '30 * * * * *',
      },
      zoneGroups: file.ipreg?.zoneGroups ?? {},
      verificationResolvers: file.ipreg?.verificationResolvers ?? [],
    },
    dns,
    observability: {
      workerMetricsPort: int(env.WORKER_METRICS_PORT, file.observability?.workerMetricsPort ?? 9464),
      schedulerMetricsPort: int(env.SCHEDULER_METRICS_PORT, file.observability?.schedulerMetricsPort ?? 9465),
    },
    logLevel: env.LOG_LEVEL ?? file.logLevel ?? 'info',
  };
}
