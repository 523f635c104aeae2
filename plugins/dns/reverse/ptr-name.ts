import ipaddr from 'ipaddr.js';
import { Fatal } from '../../plugin-errors.js';
import { type DnsRecord, normalizeRecord } from '../dns-record.js';
import { parseIpAddress } from '../ip-address.js';

/**
 * Names in the reverse tree: in-addr.arpa by octet (RFC 1035 §3.5), ip6.arpa by nibble
 * (RFC 3596 §2.5), least significant first.
 */

function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = parseIpAddress(address);
  if (!parsed) throw new Fatal(`"${address}" is not an IP address`);
  return parsed;
}

/** The labels of the first `bits` of an address, most significant first. */
function labelsOf(address: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string[] {
  const bytes = address.toByteArray();
  if (address.kind() === 'ipv4') return bytes.slice(0, bits / 8).map(String);
  const nibbles = bytes.flatMap((byte) => [byte >> 4, byte & 0xf]).map((nibble) => nibble.toString(16));
  return nibbles.slice(0, bits / 4);
}

const suffixOf = (address: ipaddr.IPv4 | ipaddr.IPv6) => (address.kind() === 'ipv4' ? 'in-addr.arpa' : 'ip6.arpa');

/** `192.0.2.10` → `10.2.0.192.in-addr.arpa`; `2001:db8::1` → `1.0.0.…8.b.d.0.1.0.0.2.ip6.arpa`. */
export function ptrName(address: string): string {
  const parsed = parseAddress(address);
  return [...labelsOf(parsed, parsed.kind() === 'ipv4' ? 32 : 128).reverse(), suffixOf(parsed)].join('.');
}

/**
 * The reverse zone of a network: `192.0.2.0/24` → `2.0.192.in-addr.arpa`. Only prefixes on a
 * label boundary (a multiple of 8 bits for IPv4, 4 for IPv6) have one; RFC 2317 classless
 * delegation is not supported.
 */
export function reverseZoneName(cidr: string): string {
  const [addressText, prefixText, ...rest] = cidr.split('/');
  const address = parseIpAddress(addressText);
  const prefix = Number(prefixText);
  if (!address || rest.length > 0 || !/^\d{1,3}$/.test(prefixText ?? '') || prefix > (address.kind() === 'ipv4' ? 32 : 128)) {
    throw new Fatal(`"${cidr}" is not a network in CIDR notation (192.0.2.0/24, 2001:db8::/32)`);
  }
  const step = address.kind() === 'ipv4' ? 8 : 4;
  if (prefix % step !== 0) {
    throw new Fatal(`${cidr} does not end on a label boundary (a multiple of ${step} bits), so it has no reverse zone of its own`);
  }
  return [...labelsOf(address, prefix).reverse(), suffixOf(address)].join('.');
}

/** The PTR record that names `hostName` as the host of `address`. */
export function ptrRecord(address: string, hostName: string, ttl: number): DnsRecord {
  return normalizeRecord({ name: ptrName(address), type: 'PTR', ttl, value: hostName });
}
