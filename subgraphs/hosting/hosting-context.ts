import type DataLoader from 'dataloader';
import type { Bus } from '../../core/bus/bus.js';
import type { Config } from '../../core/config.js';
import type { Principal } from '../../core/principal.js';
import type { TaskService } from '../../core/tasks/task-service.js';
import type { SiteAccess } from './sites/site-access.js';
import type { SiteService } from './sites/site-service.js';
import type { TaskQueries } from './tasks/task-queries.js';
import type { Vm } from './vms/vm-entity.js';
import type { VmPowerFollow } from './vms/vm-power-follow.js';
import type { VmHosts } from './vms/vm-hosts.js';
import type { SiteHistoryLog } from './history/site-history.js';
import type { SiteConfigurationService } from './configuration/site-configuration-service.js';
import type { VhostService } from './vhosts/vhost-service.js';
import type { SiteOperations } from './lifecycle/site-operations.js';
import type { SnapshotService } from './snapshots/snapshot-service.js';
import type { TestCopyService } from './test-copy/test-copy-service.js';

/** Built once per process; every request's context points at it. */
export interface HostingServices {
  sites: SiteService;
  access: SiteAccess;
  taskQueries: TaskQueries;
  tasks: TaskService;
  bus: Bus;
  flavors: Config['flavors'];
  /** Reconciliation's questions about VMs, and site states following the hypervisors. */
  powerFollow: VmPowerFollow;
  vmHosts: VmHosts;
  history: SiteHistoryLog;
  vhosts: VhostService;
  configuration: SiteConfigurationService;
  approvedPackages: readonly string[];
  /** Power, state, snapshot and test-copy operations on sites. */
  operations: SiteOperations;
  snapshots: SnapshotService;
  testCopies: TestCopyService;
}

export interface HostingContext extends HostingServices {
  principal: Principal | null;
  /** Per request: the VMs of the sites it touches, batched. */
  vmsOfSite: DataLoader<string, Vm[]>;
}
