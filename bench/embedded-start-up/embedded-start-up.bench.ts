import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROLES, startRoles } from '../../bin/start-roles.js';
import { createLogger } from '../../core/logger.js';
import type { Benchmark, Measurement } from '../benchmark.js';
import { prepareInstance } from '../../test/support/hostgraph-instance.js';
import { withDeadline } from '../support/deadline.js';

const ROUNDS = 3;
/** How long the process is watched after start: preallocation's first run goes on in the background. */
const WATCH_MS = 5000;
const TICK_MS = 10;
const MAX_START_MS = 3000;
const MAX_STALL_MS = 1000;

interface Round {
  startMs: number;
  longestStallMs: number;
  errorsLogged: number;
}

/** The longest the event loop went without running a TICK_MS timer, while `work` runs. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; longestStallMs: number }> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - TICK_MS);
    last = now;
  }, TICK_MS);
  try {
    return { result: await work(), longestStallMs: longest };
  } finally {
    clearInterval(ticker);
  }
}

/** One `npm start` in this process, on a fresh SQLite file, with `count` names preallocated per purpose. */
async function startRound(count: number): Promise<Round> {
  const { dir, config } = await prepareInstance({ settings: { ipreg: { preallocate: { count } } } });
  const errors: string[] = [];
  const logger = createLogger('error', {}, { write: (line: string) => void errors.push(line) });
  try {
    let startMs = 0;
    const { result: running, longestStallMs } = await longestStall(async () => {
      const started = performance.now();
      const running = await withDeadline(startRoles(config, ROLES, logger), 60, 'start-up');
      startMs = performance.now() - started;
      await sleep(WATCH_MS);
      return running;
    });
    await running.close();
    return { startMs, longestStallMs, errorsLogged: errors.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Every role in one process on SQLite, as `npm start` runs them, with and without preallocated
 * names: each subgraph's ORM writes to the one file while the preallocation job's transactions are
 * open. A writer that waited for the lock synchronously stopped the process (11 s starts, a rollup
 * failing with SQLITE_BUSY); the figures show whether it still does.
 */
export const embeddedStartUp: Benchmark = {
  name: 'embedded-start-up',
  description: `startRoles on SQLite with 0 and 2 preallocated names, event-loop stalls over the next ${WATCH_MS / 1000} s`,
  async run() {
    const measurements: Measurement[] = [];
    const details: Record<string, Round[]> = {};
    for (const count of [0, 2]) {
      const rounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) rounds.push(await startRound(count));
      details[`preallocate ${count}`] = rounds;
      measurements.push(
        { label: `start-up, ${count} preallocated (median of ${ROUNDS})`, value: Math.round(median(rounds.map((r) => r.startMs))), unit: 'ms', target: { kind: 'below', bound: MAX_START_MS } },
        { label: `longest event-loop stall, ${count} preallocated`, value: Math.round(Math.max(...rounds.map((r) => r.longestStallMs))), unit: 'ms', target: { kind: 'below', bound: MAX_STALL_MS } },
        { label: `errors logged, ${count} preallocated`, value: rounds.reduce((sum, r) => sum + r.errorsLogged, 0), unit: 'lines', target: { kind: 'below', bound: 1 } },
      );
    }
    return { measurements, details };
  },
};
