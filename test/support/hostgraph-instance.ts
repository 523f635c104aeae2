import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, SUBGRAPH_NAMES, type Config } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { ROLES, startRoles, type Role, type RoleOverrides } from '../../bin/start-roles.js';
import { freePort } from './free-port.js';

/** Dev tokens of the people the tests act as. */
export const TOKENS = { alice: 'alice-token', bob: 'bob-token', admin: 'admin-token' } as const;

export interface InstanceOptions {
  /** `sqlite` (a fresh file) or a PostgreSQL URL of a fresh database. */
  database?: string;
  redisUrl?: string | null;
  roles?: Role[];
  overrides?: RoleOverrides;
  /** Extra hostgraph.yaml settings. */
  settings?: Record<string, unknown>;
  /** The static directory's people and groups (YAML text); alice and bob with no groups when omitted. */
  directory?: string;
  /** Where the processes' JSON log lines go (stdout otherwise), and from which level. */
  log?: { level: string; destination: { write(line: string): void } };
}

const DEFAULT_DIRECTORY = `users:
  - { username: alice, displayName: Alice, mail: alice@example.org, uidNumber: 20001, gidNumber: 20000 }
  - { username: bob, displayName: Bob, mail: bob@example.org, uidNumber: 20002, gidNumber: 20000 }
`;

export interface Instance {
  url: string;
  config: Config;
  dir: string;
  /** The static directory's file: rewrite it and sync to change who exists. */
  directoryFile: string;
  /** Environment that makes another process join this instance (same database, ports, secret). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** HOSTING_PORT, IDENTITY_PORT, …: a free port for every subgraph, taken one after the other. */
async function subgraphPorts(): Promise<Record<string, string>> {
  const ports: Record<string, string> = {};
  for (const name of SUBGRAPH_NAMES) ports[`${name.toUpperCase()}_PORT`] = String(await freePort());
  return ports;
}

/** Writes the configuration of a test installation: a folder, a config file, fresh ports. */
export async function prepareInstance(options: InstanceOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hostgraph-test-'));
  const configFile = join(dir, 'hostgraph.yaml');
  const directoryFile = join(dir, 'directory.yaml');
  writeFileSync(directoryFile, options.directory ?? DEFAULT_DIRECTORY);
  writeFileSync(
    configFile,
    stringify({
      devTokens: {
        [TOKENS.alice]: { username: 'alice' },
        [TOKENS.bob]: { username: 'bob' },
        [TOKENS.admin]: { username: 'root', admin: true },
      },
      hypervisor: { sim: { latencyMs: 0, faults: {} } },
      directory: { kind: 'static', file: directoryFile },
      ...options.settings,
    }),
  );
  const env: Record<string, string> = {
    HOSTGRAPH_CONFIG: configFile,
    HOSTGRAPH_DATA_DIR: join(dir, 'data'),
    DATABASE_URL: !options.database || options.database === 'sqlite' ? `sqlite:${join(dir, 'hostgraph.sqlite')}` : options.database,
    PORT: String(await freePort()),
    ...(await subgraphPorts()),
    GRAPHITE_PORT: String(await freePort()),
    WORKER_METRICS_PORT: String(await freePort()),
    SCHEDULER_METRICS_PORT: String(await freePort()),
    PRINCIPAL_SECRET: 'test-secret-' + Math.random().toString(36).slice(2),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    TASK_LEASE_MS: '3000',
    HOSTGRAPH_QUEUE: `hostgraph-test-${Math.random().toString(36).slice(2)}`,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
  };
  return { dir, env, directoryFile, config: loadConfig(env) };
}

export async function startInstance(options: InstanceOptions = {}): Promise<Instance> {
  const { dir, env, config, directoryFile } = await prepareInstance(options);
  const running = await startRoles(
    config,
    options.roles ?? ROLES,
    options.log ? createLogger(options.log.level, {}, options.log.destination) : createLogger(config.logLevel),
    { queueOptions: { maxAttempts: 3, backoffMs: 100 }, ...options.overrides },
  );
  return {
    url: running.gatewayUrl ?? `http://127.0.0.1:${config.gateway.port}/graphql`,
    config,
    dir,
    directoryFile,
    env,
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
