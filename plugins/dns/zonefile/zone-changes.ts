import { Fatal } from '../../plugin-errors.js';
import { type DnsRecord, sameRecord } from '../dns-record.js';
import type { RecordChange } from '../record-change.js';

/**
 * Applies normalized changes to a zone's records with the semantics of RFC 2136 §3.4.2, so both
 * publishers agree: adding an existing record or deleting an absent one changes nothing, an RRset
 * takes the TTL of the record added last, and adding a CNAME replaces the name's CNAME. A CNAME next
 * to other records (RFC 1034 §3.6.2), or at the apex, is refused rather than silently dropped.
 */
export function applyZoneChanges(zone: string, records: DnsRecord[], changes: RecordChange[]): DnsRecord[] {
  let result = [...records];
  const inRRset = (name: string, type: string) => (record: DnsRecord) => record.name === name && record.type === type;
  const add = (record: DnsRecord) => {
    if (record.type === 'CNAME') result = result.filter((other) => !inRRset(record.name, 'CNAME')(other));
    result = result.filter((other) => !sameRecord(other, record)).map((other) => (inRRset(record.name, record.type)(other) ? { ...other, ttl: record.ttl } : other));
    result.push(record);
  };
  for (const change of changes) {
    switch (change.action) {
      case 'add':
        add(change.record);
        break;
      case 'delete':
        result = result.filter((record) => !sameRecord(record, change.record));
        break;
      case 'deleteRRset':
        result = result.filter((record) => !inRRset(change.name, change.type)(record));
        break;
      case 'replaceRRset':
        result = result.filter((record) => !inRRset(change.name, change.type)(record));
        change.records.forEach(add);
        break;
    }
  }
  for (const cname of result.filter((record) => record.type === 'CNAME')) {
    if (cname.name === zone) throw new Fatal(`${zone} cannot have a CNAME: the apex of a zone holds its SOA and NS records`);
    const other = result.find((record) => record.name === cname.name && record.type !== 'CNAME');
    if (other) throw new Fatal(`${cname.name} cannot have a CNAME and ${other.type} records at once (RFC 1034 §3.6.2)`);
  }
  return result;
}
