import type { DnsRecord } from '../../plugins/dns/dns-record.js';
import { rdataText } from '../../plugins/dns/zonefile/zone-file-format.js';
import type { AddressRow } from './addresses/address-entity.js';
import type { DomainNameRow } from './domain-names/domain-name-entity.js';
import type { Address, DnsRecordView, DomainName, Name, Pool } from './ipreg-types.js';
import type { NameRow } from './names/name-entity.js';
import type { Pool as PoolModel } from './pools/pool-view.js';

export const toPoolView = (pool: PoolModel): Pool => ({
  id: pool.id,
  name: pool.name,
  prefix: pool.prefix.text,
  ipVersion: pool.prefix.family === 'ipv4' ? 4 : 6,
  purpose: pool.purpose,
  zone: pool.zone,
  gateway: pool.gateway,
  reserved: pool.reserved,
  size: pool.prefix.size.toString(),
  createdAt: pool.createdAt,
});

export const toAddressView = (row: AddressRow): Address => ({
  address: row.address,
  ipVersion: row.address.includes(':') ? 6 : 4,
  state: row.state,
  quarantinedUntil: row.quarantinedUntil ?? null,
  site: row.siteId ? { id: row.siteId } : null,
  poolId: row.poolId,
  nameId: row.nameId ?? null,
});

export const toNameView = (row: NameRow): Name => ({
  id: row.id,
  fqdn: row.fqdn,
  kind: row.kind,
  purpose: row.purpose,
  state: row.state,
  zone: row.zone,
  site: row.siteId ? { id: row.siteId } : null,
  vm: row.vmId ? { id: row.vmId } : null,
  publishedAt: row.publishedAt ?? null,
});

export const toRecordView = (record: DnsRecord): DnsRecordView => ({ name: record.name, type: record.type, ttl: record.ttl, data: rdataText(record) });

/** Where the owner of an EXTERNAL name publishes its token. */
export const verificationNameOf = (fqdn: string) => `_hostgraph.${fqdn}`;

export const toDomainNameView = (row: DomainNameRow): DomainName => ({
  fqdn: row.fqdn,
  state: row.state,
  site: { id: row.siteId },
  verificationToken: row.state === 'EXTERNAL' ? (row.verificationToken ?? null) : null,
  verificationName: row.state === 'EXTERNAL' ? verificationNameOf(row.fqdn) : null,
  requestedBy: row.requestedBy,
  createdAt: row.createdAt,
});
