import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Measurement } from '../benchmark.js';
import { migrate } from '../../core/database/open-database.js';
import { HypervisorHostEntity } from '../../subgraphs/inventory/hosts/host-entity.js';
import { openInventoryDatabase } from '../../subgraphs/inventory/inventory-database.js';
import { rankHosts } from '../../subgraphs/inventory/placement/choose-host.js';
import { PlacementService } from '../../subgraphs/inventory/placement/placement-service.js';

const HOSTS = 1000;
const PLACEMENTS = 600;
const CONCURRENCY = 8;
const OVERCOMMIT = { vcpus: 4, memory: 1, disk: 1 };

const request = () => ({ vmId: randomUUID(), siteId: randomUUID(), vmName: `bench-${randomUUID().slice(0, 8)}`, vcpus: 1, memoryMiB: 2048, diskGiB: 20 });

/**
 * Placement decisions per second with 1,000 hosts: the scheduler's filter and weigh alone (in
 * memory), and whole placements as the worker asks for them (read the hosts, choose, conditional
 * UPDATE and placement row in one transaction) on SQLite, one at a time and 8 at once.
 * PostgreSQL too when BENCH_POSTGRES_URL names a server.
 */
export const placementThroughput: Benchmark = {
  name: 'placement',
  description: `placement decisions per second with ${HOSTS} hosts (filter+weigh alone; whole placements on SQLite and PostgreSQL)`,
  async run() {
    const measurements: Measurement[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'hostgraph-bench-placement-'));
    const databases: [string, string][] = [['SQLite', `sqlite:${join(dir, 'inventory.sqlite')}`]];
    if (process.env.BENCH_POSTGRES_URL) databases.push(['PostgreSQL', process.env.BENCH_POSTGRES_URL]);
    const details: Record<string, unknown> = { hosts: HOSTS, placements: PLACEMENTS, concurrency: CONCURRENCY };
    try {
      for (const [label, url] of databases) {
        const orm = await openInventoryDatabase(url);
        try {
          await migrate(orm);
          const em = orm.em.fork();
          await em.nativeDelete(HypervisorHostEntity, {});
          // Hosts of three sizes, so the weighing has work to do.
          const rows = Array.from({ length: HOSTS }, (_, i) => ({
            id: randomUUID(),
            name: `host-${String(i).padStart(4, '0')}`,
            driver: 'sim',
            uri: 'sim:///default',
            credentialRef: null,
            location: null,
            capacityVcpus: 32,
            capacityMemoryMiB: [131072, 262144, 524288][i % 3]!,
            capacityDiskGiB: 4000,
            allocatedVcpus: 0,
            allocatedMemoryMiB: (i * 7919) % 65536,
            allocatedDiskGiB: 0,
            state: 'ENABLED' as const,
            reachable: null,
            lastReconciledAt: null,
            lastReconcileError: null,
            createdAt: new Date(),
            updatedAt: new Date(),
          }));
          for (let i = 0; i < rows.length; i += 200) await em.insertMany(HypervisorHostEntity, rows.slice(i, i + 200));

          if (label === 'SQLite') {
            // Plain rows, as placement reads them (see PlacementService.enabledHosts).
            const hosts = rows;
            const started = performance.now();
            let decisions = 0;
            while (performance.now() - started < 2000) {
              rankHosts(hosts, request(), OVERCOMMIT);
              decisions++;
            }
            measurements.push({ label: `filter+weigh over ${HOSTS} hosts, in memory`, value: Math.round(decisions / ((performance.now() - started) / 1000)), unit: 'decisions/s' });
          }

          const placements = new PlacementService(orm, OVERCOMMIT);
          let started = performance.now();
          for (let i = 0; i < PLACEMENTS / 2; i++) await placements.place(request());
          const sequential = (PLACEMENTS / 2) / ((performance.now() - started) / 1000);
          started = performance.now();
          let next = 0;
          await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
            while (next++ < PLACEMENTS / 2) await placements.place(request());
          }));
          const concurrent = (PLACEMENTS / 2) / ((performance.now() - started) / 1000);
          measurements.push({ label: `whole placements on ${label}, one at a time`, value: Math.round(sequential), unit: 'placements/s' });
          measurements.push({ label: `whole placements on ${label}, ${CONCURRENCY} at once`, value: Math.round(concurrent), unit: 'placements/s' });
        } finally {
          await orm.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return { measurements, details };
  },
};
