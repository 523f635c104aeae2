import { dialectOf } from '../../core/database/open-database.js';
import { startSubgraphServer } from '../../core/graphql/subgraph-server.js';
import { defineSubgraph } from '../../core/roles/subgraph-module.js';
import { sharedDnsPublisher } from '../../plugins/dns/shared-dns-publisher.js';
import { IdentityClient } from '../identity/client/identity-client.js';
import { SitePermission } from './access/site-permission.js';
import { DomainNameService } from './domain-names/domain-name-service.js';
import { parseHostKeyEncryptionKey } from './host-keys/host-key-sealing.js';
import type { IpregContext, IpregServices } from './ipreg-context.js';
import { openIpregDatabase } from './ipreg-database.js';
import { buildIpregSchema } from './ipreg-schema.js';
import { NetworkService } from './network/network-service.js';
import { PreallocationJob, schedulePreallocation } from './preallocation/preallocation-job.js';
import { PoolService } from './pools/pool-service.js';

/**
 * Address pools, names and their addresses, host keys and domain names: served here. Sites' records
 * are published by the worker's task steps; accepted domain names here at once; ready names (and
 * what could not be published) by the scheduler.
 */
export const ipregModule = defineSubgraph({
  name: 'ipreg',
  buildSchema: buildIpregSchema,
  openDatabase: openIpregDatabase,

  async prepare({ config, bus, logger, clientOf, onClose }, orm): Promise<IpregServices> {
    const zones = config.dns.zones;
    const network = new NetworkService(orm, {
      quarantineSeconds: config.ipreg.quarantineSeconds,
      recordTtl: config.ipreg.recordTtl,
      zones,
      hostKeyEncryptionKey: parseHostKeyEncryptionKey(config.ipreg.hostKeyEncryptionKey),
    });
    // Accepted domain names are published at once; the scheduler's preallocation uses the same publisher.
    const dns = sharedDnsPublisher(config.dns);
    onClose(() => dns.release());
    return {
      pools: new PoolService(orm, zones, dialectOf(config.databaseUrl)),
      network,
      domainNames: new DomainNameService(orm, network, {
        zones,
        zoneGroups: config.ipreg.zoneGroups,
        verificationResolvers: config.ipreg.verificationResolvers,
        dns: dns.publisher,
        bus,
        logger: logger.child({ subgraph: 'ipreg' }),
      }),
      dns: dns.publisher,
      identity: new IdentityClient(clientOf('identity', 'ipreg')),
    };
  },

  async serve({ config, logger, onClose, inProcess }, _orm, services) {
    await services.pools.seed(config.ipreg.seedPools, logger.child({ subgraph: 'ipreg' }));
    const { host, port } = config.subgraphs.ipreg;
    const server = await startSubgraphServer({
      name: 'ipreg',
      schema: await buildIpregSchema(),
      host,
      port,
      principalSecret: config.principalSecret,
      inProcess,
      createContext: (principal): IpregContext => ({ ...services, principal, sitePermission: new SitePermission(services.identity, principal) }),
      logger,
    });
    onClose(() => server.close());
  },

  async schedule({ config, logger, onClose }, _orm, services) {
    const { count, schedule } = config.ipreg.preallocate;
    const job = new PreallocationJob(services, count, logger.child({ subgraph: 'ipreg' }));
    const scheduled = schedulePreallocation(job, schedule, logger);
    onClose(() => scheduled.stop());
    // Not awaited: host keys take a while, and nothing else waits for ready names.
    void scheduled.tick();
  },
});
