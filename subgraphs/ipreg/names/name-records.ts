import { type DnsRecord, normalizeRecord } from '../../../plugins/dns/dns-record.js';
import { ptrName, ptrRecord } from '../../../plugins/dns/reverse/ptr-name.js';
import { sshfpRecords } from '../host-keys/sshfp-records.js';

/** What a name's records are made of. */
export interface NameContent {
  fqdn: string;
  addresses: string[];
  /** Public host keys (HOST names); their SSHFP records go with the name. */
  publicKeys: string[];
}

/** Whether a name lies in one of the zones Hostgraph publishes to. */
export const inZones = (name: string, zones: string[]) => zones.some((zone) => name === zone || name.endsWith(`.${zone}`));

/**
 * The records a name should have: A and AAAA for its addresses, SSHFP for its host keys, and a
 * PTR for each address whose reverse zone is managed here (others belong to someone else).
 */
export function recordsOfName(name: NameContent, ttl: number, zones: string[]): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (const address of name.addresses) {
    records.push(normalizeRecord({ name: name.fqdn, type: address.includes(':') ? 'AAAA' : 'A', ttl, value: address }));
    if (inZones(ptrName(address), zones)) records.push(ptrRecord(address, name.fqdn, ttl));
  }
  records.push(...sshfpRecords(name.fqdn, name.publicKeys, ttl));
  return records;
}

/** A domain name of a site points at its service name. */
export const domainRecord = (domain: string, serviceName: string, ttl: number): DnsRecord =>
  normalizeRecord({ name: domain, type: 'CNAME', ttl, value: serviceName });
