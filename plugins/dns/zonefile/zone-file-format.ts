import { Fatal } from '../../plugin-errors.js';
import { type DnsRecord, normalizeRecord, normalizeRecordType, valueText } from '../dns-record.js';

/**
 * RFC 1035 §5 master files, in the one shape Hostgraph writes: one record per line, every name
 * absolute, every TTL explicit, the SOA and NS records first, then the records in canonical order
 * (RFC 4034 §6.1). The reader reads that shape back; the file belongs to Hostgraph.
 */

export interface ZoneSettings {
  zone: string;
  /** Absolute names of the zone's name servers; the first is the SOA's primary. */
  nameServers: string[];
  /** The SOA RNAME: the zone administrator's mailbox as a DNS name (hostmaster.example.org). */
  hostmaster: string;
}

export interface ZoneContent {
  serial: number;
  /** Everything but the SOA and NS records, which come from the settings. */
  records: DnsRecord[];
}

const APEX_TTL = 3600;
/** Refresh, retry, expire, and the TTL of negative answers (RFC 2308 §4). */
const SOA_TIMERS = [3600, 600, 1209600, 300];

/** RFC 1035 §5.1: a quoted string, with `"` and `\` escaped and other non-printable bytes as \DDD. */
function quote(text: string): string {
  let quoted = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) quoted += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte <= 0x7e) quoted += String.fromCharCode(byte);
    else quoted += `\\${byte.toString().padStart(3, '0')}`;
  }
  return `${quoted}"`;
}

/** The record data as a zone file (and dig) writes it. */
export function rdataText(record: DnsRecord): string {
  switch (record.type) {
    case 'CNAME':
    case 'PTR':
      return `${record.value}.`;
    case 'TXT':
      return record.value.map(quote).join(' ');
    default:
      return valueText(record);
  }
}

/** RFC 4034 §6.1: labels compared from the root down; a name sorts before the names below it. */
function compareNames(a: string, b: string): number {
  const left = a.split('.').reverse();
  const right = b.split('.').reverse();
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return Buffer.compare(Buffer.from(left[i]), Buffer.from(right[i]));
  }
  return left.length - right.length;
}

export const compareRecords = (a: DnsRecord, b: DnsRecord) =>
  compareNames(a.name, b.name) || a.type.localeCompare(b.type) || valueText(a).localeCompare(valueText(b));

export function renderZone(settings: ZoneSettings, content: ZoneContent): string {
  const apex = `${settings.zone}.`;
  const lines = [
    `; Zone ${settings.zone}, written by Hostgraph: edits made here by hand are lost at its next change.`,
    `${apex} ${APEX_TTL} IN SOA ${settings.nameServers[0]}. ${settings.hostmaster}. ${content.serial} ${SOA_TIMERS.join(' ')}`,
    ...settings.nameServers.map((server) => `${apex} ${APEX_TTL} IN NS ${server}.`),
    ...[...content.records].sort(compareRecords).map((record) => `${record.name}. ${record.ttl} IN ${record.type} ${rdataText(record)}`),
  ];
  return `${lines.join('\n')}\n`;
}

interface Token {
  text: string;
  quoted: boolean;
}

/** Splits a line into fields; a quoted field's escapes are decoded (as UTF-8 bytes). */
function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < line.length) {
    if (/\s/.test(line[index])) {
      index++;
    } else if (line[index] === ';') {
      break;
    } else if (line[index] === '"') {
      const bytes: number[] = [];
      index++;
      while (line[index] !== '"') {
        if (index >= line.length) throw new Error('a quoted string is not closed');
        if (line[index] === '\\' && /^\d{3}$/.test(line.slice(index + 1, index + 4))) {
          bytes.push(Number(line.slice(index + 1, index + 4)));
          index += 4;
        } else {
          if (line[index] === '\\') index++;
          bytes.push(...Buffer.from(line[index] ?? '', 'utf8'));
          index++;
        }
      }
      index++;
      tokens.push({ text: Buffer.from(bytes).toString('utf8'), quoted: true });
    } else {
      const end = line.slice(index).search(/[\s;]/);
      const text = end === -1 ? line.slice(index) : line.slice(index, index + end);
      tokens.push({ text, quoted: false });
      index += text.length;
    }
  }
  return tokens;
}

const absolute = (name: string) => {
  if (!name.endsWith('.')) throw new Error(`${name} is not an absolute name`);
  return name.slice(0, -1);
};

function parseRecord(name: string, ttl: number, type: string, rdata: Token[]): DnsRecord {
  const fields = rdata.map((token) => token.text);
  switch (normalizeRecordType(type)) {
    case 'A':
    case 'AAAA':
      return normalizeRecord({ name, ttl, type: type as 'A' | 'AAAA', value: fields[0] });
    case 'CNAME':
    case 'PTR':
      return normalizeRecord({ name, ttl, type: type as 'CNAME' | 'PTR', value: absolute(fields[0]) });
    case 'TXT':
      if (!rdata.every((token) => token.quoted)) throw new Error('TXT strings must be quoted');
      return normalizeRecord({ name, ttl, type: 'TXT', value: fields });
    case 'SSHFP':
      return normalizeRecord({ name, ttl, type: 'SSHFP', value: { algorithm: Number(fields[0]), fingerprintType: Number(fields[1]), fingerprint: fields[2] } });
  }
}

/** Reads a file `renderZone` wrote; `path` is for messages. */
export function parseZone(text: string, path: string): ZoneContent {
  let serial: number | null = null;
  const records: DnsRecord[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    try {
      const tokens = tokenize(line);
      if (tokens.length === 0) continue;
      const [name, ttl, klass, type, ...rdata] = tokens;
      if (klass?.text !== 'IN' || !/^\d+$/.test(ttl?.text ?? '')) throw new Error('expected "NAME TTL IN TYPE DATA"');
      if (type.text === 'SOA') serial = Number(rdata[2]?.text);
      else if (type.text !== 'NS') records.push(parseRecord(absolute(name.text), Number(ttl.text), type.text, rdata));
    } catch (error) {
      throw new Fatal(`${path} line ${index + 1} is not in the form Hostgraph writes: ${(error as Error).message}`, { cause: error });
    }
  }
  if (serial === null || !Number.isInteger(serial)) throw new Fatal(`${path} has no SOA record with a serial`);
  return { serial, records };
}
