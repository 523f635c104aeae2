import type { SiteHistoryView } from '../../hosting/client/hosting-client.js';

/** One entry of hosting's site history: the site as it was from `at` until its next entry. */
export type HistoryEntry = SiteHistoryView;

export interface HourlyUsage {
  siteId: string;
  siteName: string;
  /** The start of the hour, epoch milliseconds. */
  hour: number;
  /** The site's last state within the hour (before it was deleted, for the hour it was). */
  state: string;
  vcpuHours: number;
  memoryGbHours: number;
  diskGbHours: number;
}

const HOUR_MS = 3_600_000;

/**
 * What each state is billed for. A VM that runs uses its vCPUs and memory; a site that has a VM
 * keeps its disk whether or not it runs; a failed or cancelled site has neither, and a deleted one
 * is gone.
 */
const COMPUTE_STATES = new Set(['RUNNING', 'QUARANTINED']);
const DISK_STATES = new Set(['PROVISIONING', 'RUNNING', 'STOPPED', 'DISABLED', 'QUARANTINED']);

/**
 * Per site and hour in [from, to): vCPU-hours, memory GB-hours (GB = 1024 MiB) and disk GB-hours,
 * from the history alone: each entry holds from its time to the next entry's. Part of an hour
 * counts as that part (created at 10:15 → 0.75 of the 10:00 hour). An hour appears when the site
 * existed during some of it.
 */
export function hourlyUsage(entries: HistoryEntry[], from: number, to: number): HourlyUsage[] {
  const bySite = new Map<string, HistoryEntry[]>();
  for (const entry of entries) {
    let list = bySite.get(entry.siteId);
    if (!list) bySite.set(entry.siteId, (list = []));
    list.push(entry);
  }
  const usage: HourlyUsage[] = [];
  for (const list of bySite.values()) {
    // Stable: entries at the same millisecond keep the order they were written in.
    list.sort((a, b) => a.at - b.at);
    const hours = new Map<number, HourlyUsage>();
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      if (entry.state === 'DELETED') continue;
      const start = Math.max(from, entry.at);
      const end = Math.min(to, list[i + 1]?.at ?? to);
      // A state that held for no time (two changes in one millisecond) is billed nothing and shown nowhere.
      if (end <= start) continue;
      for (let hour = Math.floor(start / HOUR_MS) * HOUR_MS; hour < end; hour += HOUR_MS) {
        const fraction = (Math.min(end, hour + HOUR_MS) - Math.max(start, hour)) / HOUR_MS;
        let record = hours.get(hour);
        if (!record) {
          hours.set(hour, (record = { siteId: entry.siteId, siteName: entry.siteName, hour, state: entry.state, vcpuHours: 0, memoryGbHours: 0, diskGbHours: 0 }));
        }
        record.state = entry.state;
        record.siteName = entry.siteName;
        if (COMPUTE_STATES.has(entry.state)) {
          record.vcpuHours += entry.vcpus * fraction;
          record.memoryGbHours += (entry.memoryMiB / 1024) * fraction;
        }
        if (DISK_STATES.has(entry.state)) record.diskGbHours += entry.diskGiB * fraction;
      }
    }
    for (const record of [...hours.values()].sort((a, b) => a.hour - b.hour)) usage.push(record);
  }
  return usage;
}
