import { dialectOf } from '../../core/database/open-database.js';
import { defineSubgraph } from '../../core/roles/subgraph-module.js';
import { TaskStore } from '../../core/tasks/task-store.js';
import { scheduleTaskSweep } from '../../core/tasks/task-sweeper.js';
import { createDriver } from '../../drivers/create-driver.js';
import { instrumentDriver } from '../../drivers/instrumented-driver.js';
import { sqlExecutorFromMikroOrm } from '../../drivers/sim/sql-executor.js';
import { SqlSimVmStore } from '../../drivers/sim/sql-sim-vm-store.js';
import { IdentityClient } from '../identity/client/identity-client.js';
import { openHostingDatabase } from './hosting-database.js';
import { buildHostingSchema } from './hosting-schema.js';
import { startHostingSubgraph } from './hosting-subgraph.js';
import { startHostingWorker } from './hosting-worker.js';

/** Sites and the tasks that change them: served here, run by the worker, swept by the scheduler. */
export const hostingModule = defineSubgraph({
  name: 'hosting',
  buildSchema: buildHostingSchema,
  openDatabase: openHostingDatabase,

  async serve({ config, bus, queue, logger, clientOf, onClose, overrides }, orm) {
    const identity = new IdentityClient(clientOf('identity', 'hosting'));
    const subgraph = await startHostingSubgraph({ config, orm, bus, queue, identity, logger, clock: overrides.clock });
    onClose(() => subgraph.close());
  },

  async work({ config, bus, queue, queueOptions, overrides, logger, clientOf, onClose }, orm) {
    let driver = overrides.driver;
    if (!driver) {
      // The sim keeps its VMs in hosting's database, so a restart keeps them.
      const simStore = new SqlSimVmStore(sqlExecutorFromMikroOrm(orm.em.getConnection(), dialectOf(config.databaseUrl)));
      const created = createDriver(config.hypervisor, simStore);
      onClose(() => created.close());
      driver = created;
    }
    const identity = new IdentityClient(clientOf('identity', 'worker'));
    // Every driver call is counted and timed on /metrics, whichever driver it is.
    await startHostingWorker({ config, orm, bus, queue, queueOptions, driver: instrumentDriver(driver), identity, logger, clock: overrides.clock });
  },

  async schedule({ bus, queue, logger, onClose }, orm) {
    const sweeper = scheduleTaskSweep(new TaskStore(orm, bus, logger), queue, logger);
    onClose(async () => sweeper.stop());
    // Whatever a crash left behind is picked up at once, not at the first tick.
    await sweeper.sweep();
  },
});
