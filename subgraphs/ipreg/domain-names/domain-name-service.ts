import type { MikroORM } from '@mikro-orm/core';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { DnsRecord } from '../../../plugins/dns/dns-record.js';
import { domainRecord, inZones } from '../names/name-records.js';
import type { NetworkService } from '../network/network-service.js';
import { DomainNameEntity, type DomainNameRow } from './domain-name-entity.js';

/** Domain names on sites, and the records a site should have with them. */
export class DomainNameService {
  constructor(
    private readonly orm: MikroORM,
    private readonly network: NetworkService,
    /** Every zone records are published to. */
    private readonly zones: string[],
  ) {}

  ofSites(siteIds: string[]): Promise<DomainNameRow[]> {
    return this.orm.em.fork().find(DomainNameEntity, { siteId: { $in: siteIds } }, { orderBy: { fqdn: 'asc' } });
  }

  /**
   * Every record the site should have: its names' A, AAAA, SSHFP and PTR, and a CNAME to its
   * service name for each active domain name in a managed zone (others are their owners' to point).
   */
  async recordsOfSite(siteId: string): Promise<DnsRecord[]> {
    const id = validateId(siteId, 'siteId');
    const names = await this.network.namesOfSites([id]);
    const records = await this.network.recordsOf(names);
    const service = names.find((name) => name.holderKey === `site:${id}:SERVICE`);
    if (service) {
      for (const domain of await this.ofSites([id])) {
        if (domain.state === 'ACTIVE' && inZones(domain.fqdn, this.zones)) records.push(domainRecord(domain.fqdn, service.fqdn, this.network.recordTtl));
      }
    }
    return records;
  }
}
