import { defineSubgraph } from '../../core/roles/subgraph-module.js';
import { startSubgraphServer } from '../../core/graphql/subgraph-server.js';
import { createDirectory } from '../../plugins/directory/create-directory.js';
import { scheduleDirectorySync } from './directory-sync/sync-schedule.js';
import type { IdentityContext } from './identity-context.js';
import { openIdentityDatabase } from './identity-database.js';
import { buildIdentitySchema } from './identity-schema.js';
import { createIdentityServices } from './identity-services.js';

/** People, groups, grants, keys, tokens, quotas and the audit log; the scheduler syncs the directory. */
export const identityModule = defineSubgraph({
  name: 'identity',
  buildSchema: buildIdentitySchema,
  openDatabase: openIdentityDatabase,

  async prepare({ config, bus, logger, onClose }, orm) {
    const directory = createDirectory(config.directory, { logger });
    onClose(() => directory.close());
    return createIdentityServices({ config, orm, bus, directory, logger });
  },

  async serve({ config, logger, onClose, inProcess }, _orm, services) {
    const { host, port } = config.subgraphs.identity;
    const server = await startSubgraphServer({
      name: 'identity',
      schema: await buildIdentitySchema(),
      host,
      port,
      principalSecret: config.principalSecret,
      inProcess,
      createContext: (principal): IdentityContext => ({ ...services, principal }),
      logger,
    });
    onClose(() => server.close());
  },

  async schedule({ config, logger, onClose }, _orm, services) {
    const sync = scheduleDirectorySync(services.directorySync, config.identity.syncSchedule, logger);
    onClose(() => sync.stop());
    // People exist from the first request on, not from the first tick.
    await services.directorySync.run();
  },
});
