import type { InProcessSubgraphs } from '../../core/graphql/in-process-subgraphs.js';
import type { MikroORM } from '@mikro-orm/core';
import type { Bus } from '../../core/bus/bus.js';
import type { Config } from '../../core/config.js';
import { startSubgraphServer } from '../../core/graphql/subgraph-server.js';
import type { Logger } from '../../core/logger.js';
import type { JobQueue } from '../../core/queue/queue.js';
import { TaskService } from '../../core/tasks/task-service.js';
import { TaskStore } from '../../core/tasks/task-store.js';
import type { IdentityClient } from '../identity/client/identity-client.js';
import type { IpregClient } from '../ipreg/client/ipreg-client.js';
import { SiteAccessProjection } from './access/site-access-projection.js';
import type { HostingContext, HostingServices } from './hosting-context.js';
import { vmsOfSiteLoader } from './vms/vms-of-site.js';
import { VmHosts } from './vms/vm-hosts.js';
import { buildHostingSchema } from './hosting-schema.js';
import { SiteHistoryLog, systemClock, type Clock } from './history/site-history.js';
import { SiteAccess } from './sites/site-access.js';
import { SiteService } from './sites/site-service.js';
import { TaskQueries } from './tasks/task-queries.js';
import { VmPowerFollow } from './vms/vm-power-follow.js';
import { SecretSealer } from './configuration/sealed-secrets.js';
import { SiteConfigurationService } from './configuration/site-configuration-service.js';
import { trustedUploadCertificates } from './vhosts/trusted-upload-certificates.js';
import { VhostService } from './vhosts/vhost-service.js';
import { SiteOperations } from './lifecycle/site-operations.js';
import { SnapshotService } from './snapshots/snapshot-service.js';
import { TestCopyService } from './test-copy/test-copy-service.js';

export interface HostingSubgraphOptions {
  config: Config;
  orm: MikroORM;
  bus: Bus;
  queue: JobQueue;
  identity: IdentityClient;
  /** Whose names are whose, for the vhosts' names. */
  ipreg: Pick<IpregClient, 'siteNames' | 'siteHoldingName'>;
  logger: Logger;
  clock?: Clock;
  inProcess?: InProcessSubgraphs;
}

export async function startHostingSubgraph({ config, orm, bus, queue, identity, ipreg, logger: processLogger, clock = systemClock, inProcess }: HostingSubgraphOptions) {
  // Its lines say which subgraph wrote them, as identity's do (the server adds that to its own).
  const logger = processLogger.child({ subgraph: 'hosting' });
  const store = new TaskStore(orm, bus, logger);
  const tasks = new TaskService(store, queue, logger);
  const access = new SiteAccess(orm);
  const sites = new SiteService({ orm, tasks, flavors: config.flavors, access, identity, logger, clock });
  const sealer = new SecretSealer(config.principalSecret);
  const operations = new SiteOperations(orm, tasks, sites, clock, config.siteLifecycle.cancelledRetentionHours);
  const services: HostingServices = {
    sites,
    access,
    taskQueries: new TaskQueries(orm, store, access),
    tasks,
    bus,
    flavors: config.flavors,
    powerFollow: new VmPowerFollow(orm),
    vmHosts: new VmHosts(orm),
    history: new SiteHistoryLog(orm),
    vhosts: new VhostService({ orm, tasks, sites, sealer, certificates: config.certificates, trustedCertificates: trustedUploadCertificates(config), ipreg }),
    configuration: new SiteConfigurationService({ orm, tasks, sites, sealer, approvedPackages: config.provisioning.approvedPackages }),
    approvedPackages: config.provisioning.approvedPackages,
    operations,
    snapshots: new SnapshotService(orm, sites, operations, identity, clock),
    testCopies: new TestCopyService(operations, sites, identity, config.flavors),
  };
  const projection = new SiteAccessProjection(orm, identity, bus, logger.child({ component: 'site-access-projection' }));
  await projection.start();
  const { host, port } = config.subgraphs.hosting;
  const server = await startSubgraphServer({
    name: 'hosting',
    schema: await buildHostingSchema(),
    host,
    port,
    principalSecret: config.principalSecret,
    inProcess,
    createContext: (principal): HostingContext => ({ ...services, principal, vmsOfSite: vmsOfSiteLoader(orm) }),
    logger: processLogger,
  });
  return {
    ...server,
    projection,
    async close() {
      await server.close();
      await projection.close();
    },
  };
}
