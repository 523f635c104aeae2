import dnsPacket, { type Answer } from 'dns-packet';
import { type DnsRecord, normalizeRecord, type RecordData, RECORD_TYPES, type RecordType } from '../dns-record.js';

/**
 * The few pieces of the DNS wire format (RFC 1035 §4) that dns-packet does not offer: it encodes
 * only whole messages, knows no class NONE (254), cannot write a record without RDATA (RFC 2136
 * deletes) and tells no offsets, which a TSIG MAC needs. RDATA itself is still dns-packet's work.
 */

export const TYPE_CODE: Record<RecordType | 'SOA' | 'TSIG' | 'ANY', number> = {
  A: 1,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SSHFP: 44,
  TSIG: 250,
  ANY: 255,
};

export const CLASS_IN = 1;
/** RFC 2136 §2.5.4: delete one record. */
export const CLASS_NONE = 254;
/** RFC 2136 §2.5.2: delete an RRset; also the class of a TSIG record. */
export const CLASS_ANY = 255;

const HEADER_BYTES = 12;
const ARCOUNT_OFFSET = 10;

/** A name in canonical form (RFC 4034 §6.2): uncompressed, lower case, ending in the root label. */
export function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const parts = labels.flatMap((label) => {
    const bytes = Buffer.from(label.toLowerCase(), 'ascii');
    return [Buffer.of(bytes.length), bytes];
  });
  return Buffer.concat([...parts, Buffer.of(0)]);
}

export function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

export function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

export interface WireRecord {
  name: string;
  type: number;
  klass: number;
  ttl: number;
  rdata: Buffer;
}

export function encodeRecord({ name, type, klass, ttl, rdata }: WireRecord): Buffer {
  return Buffer.concat([encodeName(name), u16(type), u16(klass), u32(ttl), u16(rdata.length), rdata]);
}

export function encodeHeader(header: { id: number; flags: number; counts: [number, number, number, number] }): Buffer {
  return Buffer.concat([u16(header.id), u16(header.flags), ...header.counts.map(u16)]);
}

export function encodeQuestion(name: string, type: number, klass = CLASS_IN): Buffer {
  return Buffer.concat([encodeName(name), u16(type), u16(klass)]);
}

function packetAnswer(data: RecordData): Answer {
  switch (data.type) {
    case 'TXT':
      return { name: '.', type: 'TXT', data: data.value.map((text) => Buffer.from(text, 'utf8')) };
    case 'SSHFP':
      return { name: '.', type: 'SSHFP', data: { algorithm: data.value.algorithm, hash: data.value.fingerprintType, fingerprint: data.value.fingerprint } };
    default:
      return { name: '.', type: data.type, data: data.value };
  }
}

/** A record of ours from an answer dns-packet decoded; `null` for types Hostgraph does not publish. */
export function recordFromAnswer(answer: Answer): DnsRecord | null {
  if (!(RECORD_TYPES as readonly string[]).includes(answer.type) || !('data' in answer)) return null;
  const base = { name: answer.name, ttl: answer.ttl ?? 0 };
  switch (answer.type) {
    case 'TXT': {
      const strings = Array.isArray(answer.data) ? answer.data : [answer.data];
      return normalizeRecord({ ...base, type: 'TXT', value: strings.map((text) => text.toString()) });
    }
    case 'SSHFP':
      return normalizeRecord({ ...base, type: 'SSHFP', value: { algorithm: answer.data.algorithm, fingerprintType: answer.data.hash, fingerprint: answer.data.fingerprint } });
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'PTR':
      return normalizeRecord({ ...base, type: answer.type, value: answer.data });
    default:
      return null;
  }
}

/** RDATA of a record, encoded by dns-packet inside a one-record message named `.`. */
export function encodeRdata(data: RecordData): Buffer {
  const message = dnsPacket.encode({ answers: [packetAnswer(data)] });
  // header, the root name (1 byte), then type, class, TTL and RDLENGTH (10 bytes)
  return message.subarray(HEADER_BYTES + 1 + 10);
}

export const recordCount = (message: Buffer, section: 'questions' | 'answers' | 'authorities' | 'additionals') =>
  message.readUInt16BE({ questions: 4, answers: 6, authorities: 8, additionals: ARCOUNT_OFFSET }[section]);

/** A copy of `message` whose ARCOUNT is `count`. */
export function withAdditionalCount(message: Buffer, count: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt16BE(count, ARCOUNT_OFFSET);
  return copy;
}

/** The offset just past the (possibly compressed) name at `offset`. */
export function skipName(message: Buffer, offset: number): number {
  for (;;) {
    if (offset >= message.length) throw new RangeError('DNS name runs past the end of the message');
    const length = message[offset];
    if ((length & 0xc0) === 0xc0) return offset + 2;
    if (length & 0xc0) throw new RangeError(`unknown DNS label type 0x${length.toString(16)}`);
    offset += 1 + length;
    if (length === 0) return offset;
  }
}

/**
 * Reads the name at `offset` and returns it (lower case, no trailing dot) with the offset past it.
 * Compression pointers (RFC 1035 §4.1.4) are followed only when `compressed` allows them.
 */
export function readName(message: Buffer, offset: number, { compressed }: { compressed: boolean }): { name: string; end: number } {
  const labels: string[] = [];
  let end: number | null = null;
  for (let cursor = offset; ; ) {
    if (cursor >= message.length) throw new RangeError('DNS name runs past the end of the message');
    const length = message[cursor];
    if ((length & 0xc0) === 0xc0) {
      if (!compressed) throw new RangeError('a compressed name where RFC 8945 forbids compression');
      const target = message.readUInt16BE(cursor) & 0x3fff;
      // Only backwards, as RFC 1035 intends: that also rules out loops.
      if (target >= cursor) throw new RangeError('DNS name compression pointer does not point backwards');
      end ??= cursor + 2;
      cursor = target;
      continue;
    }
    if (length & 0xc0) throw new RangeError(`unknown DNS label type 0x${length.toString(16)}`);
    if (length === 0) return { name: labels.join('.').toLowerCase(), end: end ?? cursor + 1 };
    labels.push(message.toString('ascii', cursor + 1, cursor + 1 + length));
    cursor += 1 + length;
  }
}

/** Where each resource record starts, past the question section; throws when one runs past the end. */
export function recordStarts(message: Buffer): number[] {
  let offset = HEADER_BYTES;
  for (let i = 0; i < recordCount(message, 'questions'); i++) offset = skipName(message, offset) + 4;
  const total = recordCount(message, 'answers') + recordCount(message, 'authorities') + recordCount(message, 'additionals');
  const starts: number[] = [];
  for (let i = 0; i < total; i++) {
    starts.push(offset);
    const fixed = skipName(message, offset);
    if (fixed + 10 > message.length) throw new RangeError('resource record runs past the end of the message');
    offset = fixed + 10 + message.readUInt16BE(fixed + 8);
    if (offset > message.length) throw new RangeError('resource record runs past the end of the message');
  }
  return starts;
}
