import type { Benchmark } from '../benchmark.js';
import { TOKENS } from '../../test/support/hostgraph-instance.js';
import { startChildInstance } from '../support/child-instance.js';
import { SEEDED_SITES, seedSites } from '../support/seed-sites.js';
import { gatewayTarget, loadRound } from '../support/sites-page-load.js';
import { processMemory, settledResidentMB } from './process-memory.js';

const LOAD_SECONDS = 10;
const SAMPLE_EVERY_MS = 250;
const MAX_IDLE_MB = 250;
/**
 * V8 leaves start-up's garbage (composition, schema building, migrations) until its next full
 * collection, which an idle server's first scheduled jobs bring within about a minute.
 */
const IDLE_SECONDS = 90;

/**
 * Resident memory of the all-in-one process (`hostgraph start`: gateway, hosting, worker,
 * scheduler) idle after start, then while it serves the site-list load of gateway-overhead.
 */
export const residentMemory: Benchmark = {
  name: 'memory',
  description: `RSS of the all-in-one process: idle, and under sites(first: 20) load through the gateway`,
  async run() {
    const instance = await startChildInstance();
    try {
      const started = Date.now();
      const justStarted = await settledResidentMB(instance.pid);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + IDLE_SECONDS * 1000 - Date.now())));
      const idle = await settledResidentMB(instance.pid);
      await seedSites(instance.url, TOKENS.admin);
      const seeded = await settledResidentMB(instance.pid);

      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(processMemory(instance.pid).residentMB), SAMPLE_EVERY_MS);
      const round = await loadRound(gatewayTarget(instance.url, TOKENS.admin), LOAD_SECONDS).finally(() => clearInterval(sampler));
      const { peakResidentMB } = processMemory(instance.pid);
      const afterLoad = await settledResidentMB(instance.pid);
      const duringLoad = samples.length > 0 ? samples : [processMemory(instance.pid).residentMB];
      return {
        measurements: [
          { label: 'RSS just after start', value: justStarted.residentMB, unit: 'MB' },
          { label: `RSS idle ${IDLE_SECONDS} s after start`, value: idle.residentMB, unit: 'MB', target: { kind: 'below', bound: MAX_IDLE_MB } },
          { label: `RSS idle with ${SEEDED_SITES} sites`, value: seeded.residentMB, unit: 'MB' },
          { label: 'RSS under load, highest sample', value: Math.max(...duringLoad), unit: 'MB' },
          { label: 'RSS peak of the process (VmHWM)', value: peakResidentMB, unit: 'MB' },
          { label: 'RSS settled after load', value: afterLoad.residentMB, unit: 'MB' },
        ],
        details: {
          justStartedSettled: justStarted.settled,
          idleSettled: idle.settled,
          seededSettled: seeded.settled,
          afterLoadSettled: afterLoad.settled,
          load: { seconds: LOAD_SECONDS, requests: round.totalCompletedRequests, samplesMB: duringLoad.map((mb) => Math.round(mb)) },
        },
      };
    } finally {
      await instance.stop();
    }
  },
};
