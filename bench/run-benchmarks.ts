import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { authorization } from './authorization/authorization.bench.js';
import { createSite } from './create-site/create-site.bench.js';
import { meetsTarget, type Benchmark } from './benchmark.js';
import { driverLifecycle } from './driver-lifecycle/driver-lifecycle.bench.js';
import { embeddedStartUp } from './embedded-start-up/embedded-start-up.bench.js';
import { gatewayOverhead } from './gateway-overhead/gateway-overhead.bench.js';
import { ipregAllocation } from './ipreg-allocation/ipreg-allocation.bench.js';
import { residentMemory } from './memory/resident-memory.bench.js';
import { placementThroughput } from './placement/placement.bench.js';
import { metricsIngest } from './metrics-ingest/metrics-ingest.bench.js';
import { resultsTable, type TableRow } from './report/results-table.js';
import { sseFanout } from './sse-fanout/sse-fanout.bench.js';
import { sshRole } from './ssh-role/ssh-role.bench.js';

/**
 * `npm run bench` runs every benchmark in turn; `npm run bench -- <name>…` only those. Prints one
 * table and writes bench/results/<name>.json. Exits non-zero only when a benchmark crashed: a
 * missed target is a finding, printed as MISSED, not a failure of the run.
 */
const BENCHMARKS: Benchmark[] = [gatewayOverhead, sseFanout, residentMemory, authorization, driverLifecycle, placementThroughput, sshRole, metricsIngest, createSite, ipregAllocation, embeddedStartUp];
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

const machine = () => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAverage: loadavg().map((load) => Number(load.toFixed(2))),
});

function selectBenchmarks(names: string[]): Benchmark[] {
  const unknown = names.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name));
  if (unknown.length > 0) {
    throw new Error(`No benchmark named ${unknown.join(', ')}; the benchmarks are ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  }
  return names.length > 0 ? BENCHMARKS.filter((benchmark) => names.includes(benchmark.name)) : BENCHMARKS;
}

async function main(): Promise<number> {
  const selected = selectBenchmarks(process.argv.slice(2));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const rows: TableRow[] = [];
  let crashed = 0;
  for (const benchmark of selected) {
    console.log(`\n▶ ${benchmark.name}: ${benchmark.description}`);
    const started = new Date();
    const record = { name: benchmark.name, description: benchmark.description, date: started.toISOString(), machineAtStart: machine() };
    const file = `${RESULTS_DIR}${benchmark.name}.json`;
    try {
      const result = await benchmark.run();
      const measurements = result.measurements.map((measurement) => ({ ...measurement, met: meetsTarget(measurement) }));
      const seconds = (Date.now() - started.getTime()) / 1000;
      writeFileSync(file, JSON.stringify({ ...record, seconds, machineAtEnd: machine(), measurements, details: result.details }, null, 2) + '\n');
      rows.push(...result.measurements.map((measurement) => ({ benchmark: benchmark.name, measurement })));
      console.log(`  done in ${seconds.toFixed(0)} s`);
    } catch (error) {
      crashed++;
      const message = error instanceof Error ? error.message : String(error);
      console.error(`  ${benchmark.name} crashed:`, error);
      writeFileSync(file, JSON.stringify({ ...record, error: message }, null, 2) + '\n');
      rows.push({ benchmark: benchmark.name, error: message.split('\n')[0] });
    }
  }
  console.log(`\n${resultsTable(rows)}\n\nMachine: ${JSON.stringify(machine())}; results in ${RESULTS_DIR}`);
  return crashed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
