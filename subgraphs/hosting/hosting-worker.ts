import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { Bus } from '../../core/bus/bus.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { JobQueue, QueueOptions } from '../../core/queue/queue.js';
import { TaskRunner } from '../../core/tasks/task-runner.js';
import { TaskStore } from '../../core/tasks/task-store.js';
import type { IdentityClient } from '../identity/client/identity-client.js';
import { systemClock, type Clock } from './history/site-history.js';
import type { InventoryClient } from '../inventory/client/inventory-client.js';
import type { VmDrivers } from '../inventory/client/placed-vm-drivers.js';
import { classifySiteError } from './workflows/classify-error.js';
import type { SiteProvisioning } from './provisioning/site-provisioning.js';
import type { SiteWorkflowDeps } from './workflows/site-vm.js';
import { siteWorkflows } from './workflows/site-workflows.js';
import type { ServiceAddresses } from './test-copy/service-addresses.js';

export interface HostingWorkerOptions {
  config: Config;
  orm: MikroORM;
  bus: Bus;
  queue: JobQueue;
  queueOptions: QueueOptions;
  drivers: VmDrivers;
  inventory: Pick<InventoryClient, 'placeVm' | 'releaseVm' | 'resizeVmPlacement'>;
  identity: Pick<IdentityClient, 'forgetSite'>;
  provisioning: SiteProvisioning;
  ipreg: SiteWorkflowDeps['ipreg'];
  dns: SiteWorkflowDeps['dns'];
  logger: Logger;
  clock?: Clock;
  /** ipreg's side of the test copy: its names and addresses, and which VM serves which after switchServices. */
  serviceAddresses: ServiceAddresses;
}

/** Takes site tasks off the queue and runs them against the hypervisor of each VM's host. */
export async function startHostingWorker(options: HostingWorkerOptions) {
  const { config, orm, bus, queue, queueOptions, drivers, inventory, identity, ipreg, dns, provisioning, logger, clock = systemClock, serviceAddresses } = options;
  const deps: SiteWorkflowDeps = { drivers, inventory, flavors: config.flavors, shutdownTimeoutMs: 30_000, identity, ipreg, dns, clock, provisioning, serviceAddresses };
  const runner = new TaskRunner({
    orm,
    store: new TaskStore(orm, bus, logger),
    queue,
    workflows: siteWorkflows,
    deps,
    classifyError: classifySiteError,
    logger,
    workerId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseMs: config.worker.leaseMs,
    retryDelayMs: (attempt) => queueOptions.backoffMs * 2 ** (attempt - 1),
    maxAttempts: queueOptions.maxAttempts,
  });
  await queue.process(runner.handle, { concurrency: config.worker.concurrency });
  return runner;
}
