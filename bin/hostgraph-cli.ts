import 'reflect-metadata';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, SUBGRAPH_NAMES } from '../core/config.js';
import { inventoryCommand } from './inventory-command.js';

// Loaded only by the commands that need them: an inventory script that Ansible runs must start fast.
const roles = () => import('./start-roles.js');
const modules = async () => (await import('./subgraph-modules.js')).SUBGRAPH_MODULES;

const USAGE = `hostgraph <command>
  start [--role ROLE]…   run roles (default: all of them)
  migrate                bring the database schema up to date
  schema [--check]       write schema/*.graphql (or fail if they differ)
  inventory --list       the Ansible dynamic inventory (or --host NAME) from HOSTGRAPH_URL`;

/** The committed schema uses fixed URLs so it does not change with the machine it was made on. */
async function schemaFiles(): Promise<Record<string, string>> {
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [`${name.toUpperCase()}_URL`, `http://${name}:${4001 + i}/graphql`]));
  const config = loadConfig({ ...process.env, HOSTGRAPH_CONFIG: undefined, ...urls });
  const { printSubgraphSdl } = await import('../core/graphql/federated-schema.js');
  const files: Record<string, string> = {};
  for (const module of await modules()) files[`schema/${module.name}.graphql`] = printSubgraphSdl(await module.buildSchema());
  files['schema/supergraph.graphql'] = await (await roles()).supergraphFor(config);
  return files;
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string', multiple: true }, check: { type: 'boolean' }, list: { type: 'boolean' }, host: { type: 'string' } },
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
  if (command === 'inventory') {
    console.log(await inventoryCommand(config, values));
    return;
  }
  const logger = (await import('../core/logger.js')).createLogger(config.logLevel);
  const { openMigrated, ROLES, startRoles } = await roles();
  if (command === 'migrate') {
    for (const module of await modules()) await (await openMigrated(module, config, logger)).close();
    return;
  }
  if (command !== 'start') {
    console.error(USAGE);
    process.exit(2);
  }
  const chosen = (values.role ?? [...ROLES]) as (typeof ROLES)[number][];
  const unknown = chosen.filter((role) => !ROLES.includes(role));
  if (unknown.length) throw new Error(`unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
  const running = await startRoles(config, chosen, logger);
  const shutdown = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  if (running.gatewayUrl) {
    const [token] = Object.entries(config.devTokens).find(([, user]) => user.admin) ?? [];
    console.log(`\nHostgraph is up (${chosen.join(', ')}).\n  GraphiQL:  ${running.gatewayUrl}`);
    if (token) console.log(`  Dev token: ${token}   (send it as  Authorization: Bearer ${token})`);
    console.log(`  Data:      ${config.dataDir}\n`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
