import ipaddr from 'ipaddr.js';

/**
 * An address as it may appear in a record: IPv4 only in dotted-quad decimal (ipaddr.js alone
 * would also read `192.0.2` or octal `010.0.0.1`), IPv6 without a zone index. `null` otherwise.
 */
export function parseIpAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return ipaddr.IPv4.parse(address);
  if (ipaddr.IPv6.isValid(address) && !address.includes('%')) return ipaddr.IPv6.parse(address);
  return null;
}
