import type { DnsRecord } from './dns-record.js';
import type { RecordChange } from './record-change.js';

/** The records grouped into RRsets (same name and type), in the order each first appears. */
function rrsets(records: DnsRecord[]): DnsRecord[][] {
  const sets = new Map<string, DnsRecord[]>();
  for (const record of records) {
    const key = `${record.name} ${record.type}`;
    sets.set(key, [...(sets.get(key) ?? []), record]);
  }
  return [...sets.values()];
}

/** Makes these records the whole of their RRsets: idempotent, and nothing stale is left beside them. */
export const replaceRRsets = (records: DnsRecord[]): RecordChange[] =>
  rrsets(records).map((set) => ({ action: 'replaceRRset', name: set[0]!.name, type: set[0]!.type, records: set }));

/** Deletes the RRsets these records are in: idempotent, and a record changed meanwhile goes too. */
export const deleteRRsets = (records: DnsRecord[]): RecordChange[] =>
  rrsets(records).map((set) => ({ action: 'deleteRRset', name: set[0]!.name, type: set[0]!.type }));
