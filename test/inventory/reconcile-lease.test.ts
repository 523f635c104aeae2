import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../core/bus/in-process-bus.js';
import { migrate } from '../../core/database/open-database.js';
import { createLogger } from '../../core/logger.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { HostDrivers } from '../../drivers/registry/host-drivers.js';
import { HostService } from '../../subgraphs/inventory/hosts/host-service.js';
import { openInventoryDatabase } from '../../subgraphs/inventory/inventory-database.js';
import { Reconciler } from '../../subgraphs/inventory/reconciliation/reconciler.js';

describe('the reconciliation lease', () => {
  let dir: string;
  let orm: MikroORM;
  const bus = new InProcessBus();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostgraph-lease-'));
    orm = await openInventoryDatabase(`sqlite:${join(dir, 'inventory.sqlite')}`);
    await migrate(orm);
    await new HostService(orm, { vcpus: 1, memory: 1, disk: 1 }).add({ name: 'sim-1', driver: 'sim', uri: 'sim:///default', capacity: { vcpus: 1, memoryMiB: 1, diskGiB: 1 } });
  });
  afterAll(async () => {
    await orm?.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A worker's reconciler; its hosting answers when `release` is called. */
  function worker() {
    let release!: () => void;
    let enter!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    /** Resolves once the reconciler holds the lease and asks hosting. */
    const asking = new Promise<void>((resolve) => (enter = resolve));
    const drivers = new HostDrivers({ secrets: {}, sim: { latencyMs: 0, faults: {} }, simStore: () => new MemorySimVmStore() });
    const reconciler = new Reconciler({
      orm,
      drivers,
      hosting: { vmBeliefs: async () => (enter(), await answered, []), followVmPowerState: async () => { throw new Error('not expected'); } },
      bus,
      logger: createLogger('silent'),
      leaseMs: 60_000,
    });
    return { reconciler, release, asking };
  }

  it('lets one worker reconcile at a time; the other does nothing and the lease is free afterwards', async () => {
    const first = worker();
    const second = worker();
    const running = first.reconciler.run(['a']);
    // The first holds the lease while it waits for hosting.
    await first.asking;
    expect(await second.reconciler.run(['b'])).toBeNull();
    first.release();
    expect(await running).toMatchObject({ requestIds: ['a'], error: null, hosts: [{ hostName: 'sim-1', reachable: true }] });
    second.release();
    expect(await second.reconciler.run(['c'])).toMatchObject({ requestIds: ['c'] });
  });
});
