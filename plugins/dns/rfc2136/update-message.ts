import type { DnsRecord, RecordType } from '../dns-record.js';
import type { RecordChange } from '../record-change.js';
import { CLASS_ANY, CLASS_IN, CLASS_NONE, encodeHeader, encodeQuestion, encodeRdata, encodeRecord, TYPE_CODE, type WireRecord } from './dns-wire.js';

/** RFC 2136 §2.2: opcode 5 in the header's flags. */
const OPCODE_UPDATE = 5;

const addition = (record: DnsRecord): WireRecord => ({
  name: record.name,
  type: TYPE_CODE[record.type],
  klass: CLASS_IN,
  ttl: record.ttl,
  rdata: encodeRdata(record),
});

/** RFC 2136 §2.5.2: class ANY, TTL 0, no RDATA. */
const rrsetDeletion = (name: string, type: RecordType): WireRecord => ({ name, type: TYPE_CODE[type], klass: CLASS_ANY, ttl: 0, rdata: Buffer.alloc(0) });

/** The update section for one change; the server applies the records in order (RFC 2136 §3.4.2). */
function updateRecords(change: RecordChange): WireRecord[] {
  switch (change.action) {
    case 'add':
      return [addition(change.record)];
    case 'delete':
      // RFC 2136 §2.5.4: class NONE, TTL 0, the RDATA of the record to delete.
      return [{ name: change.record.name, type: TYPE_CODE[change.record.type], klass: CLASS_NONE, ttl: 0, rdata: encodeRdata(change.record) }];
    case 'deleteRRset':
      return [rrsetDeletion(change.name, change.type)];
    case 'replaceRRset':
      return [rrsetDeletion(change.name, change.type), ...change.records.map(addition)];
  }
}

/**
 * An UPDATE message for `zone` (RFC 2136 §2): the zone section names the zone's SOA, there are no
 * prerequisites, and the update section holds the normalized changes. It is unsigned: TSIG comes next.
 */
export function encodeUpdate(id: number, zone: string, changes: RecordChange[]): Buffer {
  const updates = changes.flatMap(updateRecords);
  return Buffer.concat([
    encodeHeader({ id, flags: OPCODE_UPDATE << 11, counts: [1, 0, updates.length, 0] }),
    encodeQuestion(zone, TYPE_CODE.SOA),
    ...updates.map(encodeRecord),
  ]);
}

/** A plain QUERY for the records of `type` at `name`, asked of an authoritative server. */
export function encodeQuery(id: number, name: string, type: RecordType): Buffer {
  return Buffer.concat([encodeHeader({ id, flags: 0, counts: [1, 0, 0, 0] }), encodeQuestion(name, TYPE_CODE[type])]);
}
