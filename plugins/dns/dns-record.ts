import { Fatal } from '../plugin-errors.js';
import { parseIpAddress } from './ip-address.js';

/**
 * The records Hostgraph publishes. Names are absolute, written without the trailing dot and kept in
 * lower case (DNS names compare case-insensitively); `normalizeRecord` puts every record in that form
 * so that two spellings of one record are one record.
 */

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'SSHFP', 'PTR'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** RFC 4255: algorithm 1 RSA, 3 ECDSA, 4 Ed25519; fingerprint type 1 SHA-1, 2 SHA-256. */
export interface SshfpValue {
  algorithm: number;
  fingerprintType: number;
  /** Hexadecimal, lower case once normalized. */
  fingerprint: string;
}

interface ValueOfType {
  A: string;
  AAAA: string;
  CNAME: string;
  PTR: string;
  /** The character-strings of one TXT record, each at most 255 bytes of UTF-8. */
  TXT: string[];
  SSHFP: SshfpValue;
}

/** What a record says, without its owner name and TTL. */
export type RecordData = { [T in RecordType]: { type: T; value: ValueOfType[T] } }[RecordType];

/** One record with its owner: what a deletion names. */
export type RecordKey = RecordData & { name: string };

export type DnsRecord = RecordKey & { ttl: number };

const LABEL = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;
const MAX_TTL = 2 ** 31 - 1;
const SSHFP_DIGEST_BYTES: Record<number, number> = { 1: 20, 2: 32 };

/**
 * Lower case, no trailing dot. Only letters, digits, `-` and `_` (for `_acme-challenge` and the
 * like), and a leading `*` label for wildcards: nothing that could break a zone file's syntax.
 */
export function normalizeName(name: string, { wildcard = false } = {}): string {
  const normalized = name.toLowerCase().replace(/\.$/, '');
  const labels = normalized.split('.');
  const valid =
    normalized.length > 0 &&
    normalized.length <= 253 &&
    labels.every((label, index) => LABEL.test(label) || (wildcard && index === 0 && label === '*' && labels.length > 1));
  if (!valid) throw new Fatal(`"${name}" is not a valid DNS name (letters, digits, "-" and "_" in labels of 1 to 63 characters)`);
  return normalized;
}

export function normalizeTtl(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) throw new Fatal(`TTL ${ttl} is not a whole number of seconds between 0 and ${MAX_TTL}`);
  return ttl;
}

function normalizeAddress(address: string, family: 'ipv4' | 'ipv6'): string {
  const parsed = parseIpAddress(address);
  if (parsed?.kind() !== family) throw new Fatal(`"${address}" is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
  return parsed.toString();
}

function normalizeSshfp(value: SshfpValue): SshfpValue {
  const fingerprint = value.fingerprint.toLowerCase();
  const digestBytes = SSHFP_DIGEST_BYTES[value.fingerprintType];
  const validAlgorithm = Number.isInteger(value.algorithm) && value.algorithm >= 1 && value.algorithm <= 255;
  if (!validAlgorithm || !digestBytes || !/^[0-9a-f]*$/.test(fingerprint) || fingerprint.length !== digestBytes * 2) {
    throw new Fatal(
      `SSHFP ${value.algorithm} ${value.fingerprintType} ${value.fingerprint} is not valid: fingerprint type 1 (SHA-1) or 2 (SHA-256) with a hexadecimal digest of that length`,
    );
  }
  return { algorithm: value.algorithm, fingerprintType: value.fingerprintType, fingerprint };
}

function normalizeTxt(strings: string[]): string[] {
  if (strings.length === 0) throw new Fatal('a TXT record needs at least one string');
  for (const text of strings) {
    if (Buffer.byteLength(text) > 255) throw new Fatal(`TXT string "${text.slice(0, 40)}…" is longer than 255 bytes: split it into several strings`);
  }
  return [...strings];
}

export function normalizeData(data: RecordData): RecordData {
  switch (data.type) {
    case 'A':
      return { type: 'A', value: normalizeAddress(data.value, 'ipv4') };
    case 'AAAA':
      return { type: 'AAAA', value: normalizeAddress(data.value, 'ipv6') };
    case 'CNAME':
      return { type: 'CNAME', value: normalizeName(data.value) };
    case 'PTR':
      return { type: 'PTR', value: normalizeName(data.value) };
    case 'TXT':
      return { type: 'TXT', value: normalizeTxt(data.value) };
    case 'SSHFP':
      return { type: 'SSHFP', value: normalizeSshfp(data.value) };
    default:
      // Only reached by input that bypassed the types (JSON from a queue, say).
      return normalizeRecordType((data as { type: string }).type) as never;
  }
}

export function normalizeRecordType(type: string): RecordType {
  if (!(RECORD_TYPES as readonly string[]).includes(type)) {
    throw new Fatal(`record type ${type} is not one Hostgraph publishes (${RECORD_TYPES.join(', ')})`);
  }
  return type as RecordType;
}

export function normalizeKey(key: RecordKey): RecordKey {
  return { name: normalizeName(key.name, { wildcard: true }), ...normalizeData(key) };
}

export function normalizeRecord(record: DnsRecord): DnsRecord {
  return { ...normalizeKey(record), ttl: normalizeTtl(record.ttl) };
}

/** The value as one string, comparable between two normalized records of the same type. */
export function valueText(data: RecordData): string {
  switch (data.type) {
    case 'TXT':
      return JSON.stringify(data.value);
    case 'SSHFP':
      return `${data.value.algorithm} ${data.value.fingerprintType} ${data.value.fingerprint}`;
    default:
      return data.value;
  }
}

export const sameRecord = (a: RecordKey, b: RecordKey) => a.name === b.name && a.type === b.type && valueText(a) === valueText(b);
