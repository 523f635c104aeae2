import { Fatal } from '../plugin-errors.js';
import { type DnsRecord, normalizeKey, normalizeName, normalizeRecord, normalizeRecordType, type RecordKey, type RecordType } from './dns-record.js';

/**
 * One change to a zone, as RFC 2136 §2.5 can express it. Every change is idempotent: adding a
 * record that exists, or deleting one that does not, changes nothing and succeeds.
 */
export type RecordChange =
  /** Adds the record to its RRset; the RRset takes the record's TTL. */
  | { action: 'add'; record: DnsRecord }
  /** Deletes this one record (its TTL, when given, is ignored). */
  | { action: 'delete'; record: RecordKey & { ttl?: number } }
  /** Deletes every record of `type` at `name`. */
  | { action: 'deleteRRset'; name: string; type: RecordType }
  /** Makes `records` the whole RRset of `type` at `name`, atomically; no records deletes it. */
  | { action: 'replaceRRset'; name: string; type: RecordType; records: DnsRecord[] };

/** The owner name every change is about, normalized. */
export function changedName(change: RecordChange): string {
  return change.action === 'add' || change.action === 'delete' ? change.record.name : change.name;
}

export function normalizeChange(change: RecordChange): RecordChange {
  switch (change.action) {
    case 'add':
      return { action: 'add', record: normalizeRecord(change.record) };
    case 'delete':
      return { action: 'delete', record: normalizeKey(change.record) };
    case 'deleteRRset':
      return { action: 'deleteRRset', name: normalizeName(change.name, { wildcard: true }), type: normalizeRecordType(change.type) };
    case 'replaceRRset': {
      const name = normalizeName(change.name, { wildcard: true });
      const type = normalizeRecordType(change.type);
      const records = change.records.map(normalizeRecord);
      const stray = records.find((record) => record.name !== name || record.type !== type);
      if (stray) throw new Fatal(`replacing the ${type} records of ${name}: a ${stray.type} record of ${stray.name} does not belong there`);
      return { action: 'replaceRRset', name, type, records };
    }
    default:
      throw new Fatal(`unknown DNS change ${JSON.stringify(change)}`);
  }
}
