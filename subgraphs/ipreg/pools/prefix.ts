import ipaddr from 'ipaddr.js';
import { badInput } from '../../../core/errors.js';
import { parseIpAddress } from '../../../plugins/dns/ip-address.js';

export type Family = 'ipv4' | 'ipv6';

/**
 * A network prefix as numbers: every address in it is `network + offset`, with BigInt arithmetic
 * so an IPv6 /64 (2^64 addresses) is handled without ever listing its addresses.
 */
export interface Prefix {
  family: Family;
  /** The first address, as a number. */
  network: bigint;
  length: number;
  /** How many addresses it holds. */
  size: bigint;
  /** Normalized CIDR text: `192.0.2.0/24`, `2001:db8::/64`. */
  text: string;
}

const BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };
/** Prefixes a pool may have: big enough to be worth a pool, small enough to be one network. */
const LENGTHS: Record<Family, { min: number; max: number }> = { ipv4: { min: 8, max: 30 }, ipv6: { min: 48, max: 126 } };

export const toNumber = (address: ipaddr.IPv4 | ipaddr.IPv6): bigint =>
  address.toByteArray().reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);

export function fromNumber(value: bigint, family: Family): string {
  const bytes: number[] = [];
  for (let i = 0; i < BITS[family] / 8; i++) bytes.unshift(Number((value >> BigInt(8 * i)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parses `192.0.2.0/24`; host bits set, lengths outside what a pool may have, and junk are BAD_USER_INPUT. */
export function parsePrefix(cidr: string, field = 'prefix'): Prefix {
  const [addressText = '', lengthText = '', ...rest] = cidr.trim().split('/');
  const address = parseIpAddress(addressText);
  if (!address || rest.length > 0 || !/^\d{1,3}$/.test(lengthText)) {
    throw badInput(`"${cidr.slice(0, 80)}" is not a prefix in CIDR notation (192.0.2.0/24, 2001:db8::/64)`, field);
  }
  const family = address.kind() as Family;
  const length = Number(lengthText);
  const { min, max } = LENGTHS[family];
  if (length < min || length > max) {
    throw badInput(`${cidr}: a pool's ${family === 'ipv4' ? 'IPv4' : 'IPv6'} prefix must be between /${min} and /${max}`, field);
  }
  const hostBits = BigInt(BITS[family] - length);
  const value = toNumber(address);
  const network = (value >> hostBits) << hostBits;
  const text = `${fromNumber(network, family)}/${length}`;
  if (network !== value) throw badInput(`${cidr} has host bits set; the network is ${text}`, field);
  return { family, network, length, size: 1n << hostBits, text };
}

/** The address's offset in the prefix, or null when it is not in it. */
export function offsetIn(prefix: Prefix, addressText: string): bigint | null {
  const address = parseIpAddress(addressText);
  if (!address || address.kind() !== prefix.family) return null;
  const offset = toNumber(address) - prefix.network;
  return offset >= 0n && offset < prefix.size ? offset : null;
}

export const addressAt = (prefix: Prefix, offset: bigint) => fromNumber(prefix.network + offset, prefix.family);

export const overlap = (a: Prefix, b: Prefix) =>
  a.family === b.family && a.network < b.network + b.size && b.network < a.network + a.size;

/**
 * The offsets a pool may hand out: not the network address (nor, on IPv6, the subnet-router anycast
 * address it equals), not the IPv4 broadcast address.
 */
export const usableRange = (prefix: Prefix): { first: bigint; last: bigint } => ({
  first: 1n,
  last: prefix.family === 'ipv4' ? prefix.size - 2n : prefix.size - 1n,
});

/** Offsets are stored as fixed-width hex, so text order is number order in both dialects. */
export const offsetKey = (offset: bigint) => offset.toString(16).padStart(32, '0');
export const offsetOfKey = (key: string) => BigInt(`0x${key}`);
