import type { Config } from '../../core/config.js';
import { startSubgraphServer } from '../../core/graphql/subgraph-server.js';
import type { Logger } from '../../core/logger.js';
import type { IdentityContext, IdentityServices } from './identity-context.js';
import { buildIdentitySchema } from './identity-schema.js';

export async function startIdentitySubgraph({ config, services, logger }: { config: Config; services: IdentityServices; logger: Logger }) {
  const { host, port } = config.subgraphs.identity;
  return startSubgraphServer({
    name: 'identity',
    schema: await buildIdentitySchema(),
    host,
    port,
    principalSecret: config.principalSecret,
    createContext: (principal): IdentityContext => ({ ...services, principal }),
    logger,
  });
}
