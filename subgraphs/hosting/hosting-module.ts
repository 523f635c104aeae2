import { dialectOf } from '../../core/database/open-database.js';
import { defineSubgraph } from '../../core/roles/subgraph-module.js';
import { TaskStore } from '../../core/tasks/task-store.js';
import { scheduleTaskSweep } from '../../core/tasks/task-sweeper.js';
import { TaskService } from '../../core/tasks/task-service.js';
import { SiteAccountsFollower } from './configuration/site-accounts-follower.js';
import { CertificateRenewal } from './vhosts/certificate-renewal.js';
import { VhostDomainNamesFollower } from './vhosts/vhost-domain-names-follower.js';
import { HostDrivers } from '../../drivers/registry/host-drivers.js';
import { simStoresOn } from '../../drivers/registry/sim-stores.js';
import { instrumentDriver } from '../../drivers/instrumented-driver.js';
import { sharedDnsPublisher } from '../../plugins/dns/shared-dns-publisher.js';
import { IdentityClient } from '../identity/client/identity-client.js';
import { IpregClient } from '../ipreg/client/ipreg-client.js';
import { InventoryClient } from '../inventory/client/inventory-client.js';
import { placedVmDrivers } from '../inventory/client/placed-vm-drivers.js';
import { openHostingDatabase } from './hosting-database.js';
import { buildHostingSchema } from './hosting-schema.js';
import { startHostingSubgraph } from './hosting-subgraph.js';
import { startHostingWorker } from './hosting-worker.js';
import { IpregServiceAddresses } from './test-copy/ipreg-service-addresses.js';
import { workerProvisioning } from './provisioning/worker-provisioning.js';
import { systemClock } from './history/site-history.js';
import { scheduleCancelledSiteSweep } from './lifecycle/cancelled-site-sweep.js';
import { scheduleNightlySnapshots } from './snapshots/nightly-snapshots.js';

/** Sites and the tasks that change them: served here, run by the worker, swept by the scheduler. */
export const hostingModule = defineSubgraph({
  name: 'hosting',
  buildSchema: buildHostingSchema,
  openDatabase: openHostingDatabase,
  // Every subscriber of a task's events gets its whole history; task updates are news.
  sharedSubscriptions: { taskEvents: 'replay', taskUpdated: 'live' },

  async serve({ config, bus, queue, logger, clientOf, onClose, overrides, inProcess }, orm) {
    const identity = new IdentityClient(clientOf('identity', 'hosting'));
    const ipreg = new IpregClient(clientOf('ipreg', 'hosting'));
    const subgraph = await startHostingSubgraph({ config, orm, bus, queue, identity, ipreg, logger, clock: overrides.clock, inProcess });
    onClose(() => subgraph.close());
  },

  async work({ config, bus, queue, queueOptions, overrides, logger, clientOf, onClose }, orm) {
    // A driver per hypervisor host, built from what the inventory says of the VM's host.
    const hostDrivers = new HostDrivers({
      secrets: config.secrets,
      sim: config.hypervisor.sim,
      simStore: simStoresOn(orm.em.getConnection(), dialectOf(config.databaseUrl)),
      simDriver: overrides.driver,
    });
    onClose(() => hostDrivers.close());
    const identity = new IdentityClient(clientOf('identity', 'worker'));
    const inventory = new InventoryClient(clientOf('inventory', 'worker'));
    const placed = placedVmDrivers(inventory, hostDrivers);
    // Every driver call is counted and timed on /metrics, whichever driver it is.
    const drivers = { forVm: async (vmId: string) => ((driver) => driver && instrumentDriver(driver))(await placed.forVm(vmId)) };
    const ipreg = new IpregClient(clientOf('ipreg', 'worker'));
    const dns = sharedDnsPublisher(config.dns);
    onClose(() => dns.release());
    // VMs are reached at ipreg's addresses and checked against ipreg's host keys; test copies get ipreg's names.
    const provisioning = workerProvisioning({ config, identity, ipreg, provisioner: overrides.provisioner, endpoints: overrides.vmEndpoints });
    onClose(() => provisioning.close());
    const serviceAddresses = overrides.serviceAddresses ?? new IpregServiceAddresses(ipreg, dns.publisher);
    await startHostingWorker({
      config, orm, bus, queue, queueOptions, drivers, inventory, identity, ipreg, dns: dns.publisher, provisioning, logger,
      clock: overrides.clock, serviceAddresses,
    });
  },

  async schedule({ config, bus, queue, logger, clientOf, onClose, overrides }, orm) {
    const store = new TaskStore(orm, bus, logger);
    const sweeper = scheduleTaskSweep(store, queue, logger);
    onClose(async () => sweeper.stop());
    const tasks = new TaskService(store, queue, logger);
    const clock = overrides.clock ?? systemClock;
    // VMs' accounts follow identity, vhosts' names ipreg's domain names; certificates are renewed before they expire.
    const follower = new SiteAccountsFollower(orm, new IdentityClient(clientOf('identity', 'scheduler')), tasks, bus, logger.child({ component: 'site-accounts' }));
    await follower.start(config.provisioning.accountsRefreshSchedule);
    onClose(() => follower.stop());
    const vhostNames = new VhostDomainNamesFollower(orm, new IpregClient(clientOf('ipreg', 'scheduler')), tasks, bus, logger.child({ component: 'vhost-names' }));
    await vhostNames.start(config.provisioning.vhostNamesReconcileSchedule);
    onClose(() => vhostNames.stop());
    const renewal = new CertificateRenewal(orm, tasks, logger.child({ component: 'certificate-renewal' }), overrides.clock);
    renewal.start(config.provisioning.certificateRenewalSchedule);
    onClose(async () => renewal.stop());
    // Nightly snapshots, and the end of cancelled sites' retention: tasks like any other.
    const nightly = scheduleNightlySnapshots(orm, tasks, config.siteLifecycle, clock, logger);
    const cancelled = scheduleCancelledSiteSweep(orm, tasks, config.siteLifecycle, clock, logger);
    onClose(() => Promise.all([nightly.stop(), cancelled.stop()]));
    // Whatever a crash left behind is picked up at once, not at the first tick.
    await sweeper.sweep();
  },
});
