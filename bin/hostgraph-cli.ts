import 'reflect-metadata';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, SUBGRAPH_NAMES } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { printSubgraphSdl } from '../core/graphql/federated-schema.js';
import { openMigrated, ROLES, startRoles, supergraphFor, type Role } from './start-roles.js';
import { SUBGRAPH_MODULES } from './subgraph-modules.js';

const USAGE = `hostgraph <command>
  start [--role ROLE]…   run roles (default: all of ${ROLES.join(', ')})
  migrate                bring the database schema up to date
  schema [--check]       write schema/*.graphql (or fail if they differ)`;

/** The committed schema uses fixed URLs so it does not change with the machine it was made on. */
async function schemaFiles(): Promise<Record<string, string>> {
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [`${name.toUpperCase()}_URL`, `http://${name}:${4001 + i}/graphql`]));
  const config = loadConfig({ ...process.env, HOSTGRAPH_CONFIG: undefined, ...urls });
  const files: Record<string, string> = {};
  for (const module of SUBGRAPH_MODULES) files[`schema/${module.name}.graphql`] = printSubgraphSdl(await module.buildSchema());
  files['schema/supergraph.graphql'] = await supergraphFor(config);
  return files;
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string', multiple: true }, check: { type: 'boolean' } },
  });
  const [command] = positionals;
  if (command === 'schema') {
    const files = await schemaFiles();
    if (values.check) {
      const stale = Object.entries(files).filter(([path, text]) => readFileSync(path, 'utf8') !== text);
      if (stale.length) throw new Error(`out of date: ${stale.map(([p]) => p).join(', ')}; run npm run schema`);
      return;
    }
    mkdirSync('schema', { recursive: true });
    for (const [path, text] of Object.entries(files)) writeFileSync(path, text);
    console.log(`wrote ${Object.keys(files).join(', ')}`);
    return;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (command === 'migrate') {
    for (const module of SUBGRAPH_MODULES) await (await openMigrated(module, config, logger)).close();
    return;
  }
  if (command !== 'start') {
    console.error(USAGE);
    process.exit(2);
  }
  const roles = (values.role ?? [...ROLES]) as Role[];
  const unknown = roles.filter((role) => !ROLES.includes(role));
  if (unknown.length) throw new Error(`unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
  const running = await startRoles(config, roles, logger);
  const shutdown = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  if (running.gatewayUrl) {
    const [token] = Object.entries(config.devTokens).find(([, user]) => user.admin) ?? [];
    console.log(`\nHostgraph is up (${roles.join(', ')}).\n  GraphiQL:  ${running.gatewayUrl}`);
    if (token) console.log(`  Dev token: ${token}   (send it as  Authorization: Bearer ${token})`);
    console.log(`  Data:      ${config.dataDir}\n`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
