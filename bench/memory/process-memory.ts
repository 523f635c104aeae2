import { readFileSync } from 'node:fs';

/** Megabytes of 10⁶ bytes, so a target written in MB is not quietly 5% looser. */
export interface ProcessMemory {
  /** Resident set size now (VmRSS). */
  residentMB: number;
  /** The highest resident set size so far (VmHWM). */
  peakResidentMB: number;
}

/** /proc writes "kB" for units of 1024 bytes. */
const KIB_FIELD = (name: string) => new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm');

/** What the kernel says a process holds in RAM, from /proc/<pid>/status (Linux only). */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const match = KIB_FIELD(name).exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name} line`);
    return (Number(match[1]) * 1024) / 1e6;
  };
  return { residentMB: field('VmRSS'), peakResidentMB: field('VmHWM') };
}

const SETTLE_INTERVAL_MS = 1000;
/** Three readings in a row within this much of each other: the heap has stopped moving. */
const SETTLED_WITHIN_MB = 1;
const SETTLE_READINGS = 3;

/**
 * Waits for a process's resident memory to stop changing (start-up garbage collected, caches
 * filled), then returns the last reading; after `maxSeconds` returns what it has.
 */
export async function settledResidentMB(pid: number, maxSeconds = 30): Promise<{ residentMB: number; settled: boolean }> {
  const readings: number[] = [];
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    readings.push(processMemory(pid).residentMB);
    const recent = readings.slice(-SETTLE_READINGS);
    const settled = recent.length === SETTLE_READINGS && Math.max(...recent) - Math.min(...recent) <= SETTLED_WITHIN_MB;
    if (settled || Date.now() > deadline) return { residentMB: readings.at(-1)!, settled };
    await new Promise((resolve) => setTimeout(resolve, SETTLE_INTERVAL_MS));
  }
}
