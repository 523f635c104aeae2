import { createHmac, timingSafeEqual } from 'node:crypto';
import { Fatal } from '../../plugin-errors.js';
import { CLASS_ANY, encodeName, encodeRecord, readName, recordCount, recordStarts, skipName, TYPE_CODE, u16, u32, withAdditionalCount } from './dns-wire.js';

/**
 * Transaction signatures, RFC 8945: an HMAC over the message and the "TSIG variables", carried in
 * a TSIG record at the end of the additional section. Requests are signed; the server's answer is
 * checked with the request's MAC mixed in (§5.3), so a forged or altered answer is noticed.
 */

const HASH_OF = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512' } as const;
export type TsigAlgorithm = keyof typeof HASH_OF;
export const TSIG_ALGORITHMS = Object.keys(HASH_OF) as TsigAlgorithm[];

export interface TsigKey {
  /** As the server knows it (`key "NAME" { … }` in BIND). */
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

/** TSIG error codes (RFC 8945 §3, the "Error" field); 0 is no error. */
export const TSIG_ERROR_NAMES: Record<number, string> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };
export const BADSIG = 16;
export const BADKEY = 17;

/** RFC 8945 §10: 300 seconds of clock difference tolerated. */
const FUDGE_SECONDS = 300;

export interface SignedRequest {
  message: Buffer;
  mac: Buffer;
}

interface SignatureTime {
  timeSigned: number;
  fudge: number;
}

interface TsigVariables extends SignatureTime {
  error: number;
  otherData: Buffer;
}

function u48(value: number): Buffer {
  const buffer = Buffer.alloc(6);
  buffer.writeUIntBE(value, 0, 6);
  return buffer;
}

/** RFC 8945 §4.3.3: key name, class, TTL, algorithm, time signed, fudge, error, other data. */
function encodeVariables(key: TsigKey, variables: TsigVariables): Buffer {
  return Buffer.concat([
    encodeName(key.name),
    u16(CLASS_ANY),
    u32(0),
    encodeName(key.algorithm),
    u48(variables.timeSigned),
    u16(variables.fudge),
    u16(variables.error),
    u16(variables.otherData.length),
    variables.otherData,
  ]);
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const digest = createHmac(HASH_OF[key.algorithm], key.secret);
  for (const part of parts) digest.update(part);
  return digest.digest();
}

/** Appends a TSIG record to `message` (which has no TSIG yet) and returns it with its MAC. */
export function signRequest(message: Buffer, key: TsigKey, nowMs = Date.now()): SignedRequest {
  const variables: TsigVariables = { timeSigned: Math.floor(nowMs / 1000), fudge: FUDGE_SECONDS, error: 0, otherData: Buffer.alloc(0) };
  const mac = hmac(key, [message, encodeVariables(key, variables)]);
  const rdata = Buffer.concat([
    encodeName(key.algorithm),
    u48(variables.timeSigned),
    u16(variables.fudge),
    u16(mac.length),
    mac,
    u16(message.readUInt16BE(0)), // original ID
    u16(variables.error),
    u16(variables.otherData.length),
    variables.otherData,
  ]);
  const tsig = encodeRecord({ name: key.name, type: TYPE_CODE.TSIG, klass: CLASS_ANY, ttl: 0, rdata });
  return { message: Buffer.concat([withAdditionalCount(message, recordCount(message, 'additionals') + 1), tsig]), mac };
}

interface TsigRecord extends TsigVariables {
  keyName: string;
  algorithm: string;
  mac: Buffer;
  originalId: number;
  /** Where the TSIG record starts: everything before it is what the MAC covers. */
  start: number;
}

function readTsigRecord(response: Buffer): TsigRecord | null {
  if (recordCount(response, 'additionals') === 0) return null;
  const start = recordStarts(response).at(-1)!;
  const fixed = skipName(response, start);
  if (response.readUInt16BE(fixed) !== TYPE_CODE.TSIG) return null;
  const keyName = readName(response, start, { compressed: true }).name;
  const { name: algorithm, end } = readName(response, fixed + 10, { compressed: false });
  let offset = end;
  const timeSigned = response.readUIntBE(offset, 6);
  const fudge = response.readUInt16BE(offset + 6);
  const macSize = response.readUInt16BE(offset + 8);
  offset += 10;
  const mac = response.subarray(offset, offset + macSize);
  offset += macSize;
  const originalId = response.readUInt16BE(offset);
  const error = response.readUInt16BE(offset + 2);
  const otherData = response.subarray(offset + 6, offset + 6 + response.readUInt16BE(offset + 4));
  return { keyName, algorithm, timeSigned, fudge, mac, originalId, error, otherData, start };
}

/**
 * Checks the TSIG record of `response` to `request` and returns its error field (0 when the server
 * accepted the request's signature). BADSIG and BADKEY answers carry no MAC by design (RFC 8945
 * §5.3.2), so they are returned unchecked; they can only make the caller give up, never succeed.
 * Throws Fatal when the answer is unsigned, signed with another key, altered, or out of time.
 */
export function verifyResponse(response: Buffer, request: SignedRequest, key: TsigKey, peer: string, nowMs = Date.now()): number {
  let tsig: TsigRecord | null;
  try {
    tsig = readTsigRecord(response);
  } catch (error) {
    throw new Fatal(`the TSIG record in the answer from ${peer} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (!tsig) throw new Fatal(`the answer from ${peer} is not signed with TSIG, so it cannot be trusted`);
  if (tsig.keyName !== key.name.toLowerCase().replace(/\.$/, '') || tsig.algorithm !== key.algorithm) {
    throw new Fatal(`the answer from ${peer} is signed with key ${tsig.keyName} (${tsig.algorithm}), not ${key.name} (${key.algorithm})`);
  }
  if ((tsig.error === BADSIG || tsig.error === BADKEY) && tsig.mac.length === 0) return tsig.error;

  const unsigned = withAdditionalCount(response.subarray(0, tsig.start), recordCount(response, 'additionals') - 1);
  unsigned.writeUInt16BE(tsig.originalId, 0);
  const expected = hmac(key, [u16(request.mac.length), request.mac, unsigned, encodeVariables(key, tsig)]);
  // A truncated MAC (RFC 8945 §5.2.2.1) is refused: servers send the full one unless told otherwise.
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected)) {
    throw new Fatal(`the TSIG signature of the answer from ${peer} does not verify with key ${key.name}: the answer was altered or forged`);
  }
  if (Math.abs(nowMs / 1000 - tsig.timeSigned) > tsig.fudge) {
    throw new Fatal(`the answer from ${peer} was signed at ${new Date(tsig.timeSigned * 1000).toISOString()}, too far from this machine's clock`);
  }
  return tsig.error;
}
