import { randomBytes, randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import { badInput, conflict, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Bus } from '../../../core/bus/bus.js';
import type { Logger } from '../../../core/logger.js';
import type { Principal } from '../../../core/principal.js';
import { type DnsRecord, normalizeRecord } from '../../../plugins/dns/dns-record.js';
import type { DnsPublisher } from '../../../plugins/dns/dns-publisher.js';
import { forwardZones } from '../../../plugins/dns/managed-zones.js';
import { deleteRRsets, replaceRRsets } from '../../../plugins/dns/rrset-changes.js';
import { domainRecord, inZones } from '../names/name-records.js';
import type { NetworkService } from '../network/network-service.js';
import { DOMAIN_NAME_REMOVED_CHANNEL, type DomainNameRemoved } from '../ipreg-channels.js';
import { verificationNameOf } from '../ipreg-views.js';
import { DomainNameEntity, type DomainNameRow } from './domain-name-entity.js';
import { normalizeDomainName } from './domain-name-syntax.js';
import { hasTxtToken } from './txt-verification.js';

export interface DomainNameSettings {
  /** Every zone records are published to, forward and reverse. */
  zones: string[];
  /** A zone or part of one → the groups that may take names under it without approval. */
  zoneGroups: Record<string, string[]>;
  verificationResolvers: string[];
  /** Publishes accepted names at once; the scheduler publishes what this could not. */
  dns: Pick<DnsPublisher, 'apply'>;
  /** Where removals are announced (hosting takes the name off the site's vhosts); ipreg never calls hosting. */
  bus: Pick<Bus, 'publish'>;
  logger: Logger;
}

/**
 * Domain names on sites. A name inside a managed zone is ACTIVE at once when the requester's groups
 * may take names in that part of the zone, otherwise it waits for a platform admin; a name outside
 * them is EXTERNAL until a TXT token at `_hostgraph.<name>` proves its owner's control. A name serves
 * one site (a unique index), and never one of Hostgraph's own names.
 */
export class DomainNameService {
  private readonly forwardZones: string[];

  constructor(
    private readonly orm: MikroORM,
    private readonly network: NetworkService,
    private readonly settings: DomainNameSettings,
  ) {
    this.forwardZones = forwardZones(settings.zones).sort((a, b) => b.length - a.length);
  }

  ofSites(siteIds: string[]): Promise<DomainNameRow[]> {
    return this.orm.em.fork().find(DomainNameEntity, { siteId: { $in: siteIds } }, { orderBy: { fqdn: 'asc' } });
  }

  async get(name: string): Promise<DomainNameRow> {
    const fqdn = normalizeDomainName(name);
    const row = await this.orm.em.fork().findOne(DomainNameEntity, { fqdn });
    if (!row) throw notFound('Domain name', fqdn);
    return row;
  }

  /** The caller must manage the site (the resolver checks); what state the name starts in depends on where it is. */
  async request(principal: Principal, siteId: string, name: string): Promise<DomainNameRow> {
    const id = validateId(siteId, 'siteId');
    const fqdn = normalizeDomainName(name);
    if (fqdn.endsWith('.arpa')) throw badInput(`${fqdn} is in the reverse tree, which Hostgraph manages itself`, 'name');
    if (await this.network.nameByFqdn(fqdn)) throw conflict(`${fqdn} is one of Hostgraph's own names; choose another`);
    const zone = this.forwardZones.find((candidate) => fqdn === candidate || fqdn.endsWith(`.${candidate}`)) ?? null;
    const state = zone === null ? 'EXTERNAL' : this.mayTake(principal, fqdn) ? 'ACTIVE' : 'AWAITING_APPROVAL';
    const row: DomainNameRow = {
      id: randomUUID(),
      siteId: id,
      fqdn,
      zone,
      state,
      verificationToken: state === 'EXTERNAL' ? `hostgraph-verify=${randomBytes(16).toString('hex')}` : null,
      requestedBy: principal.username,
      publishedAt: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    try {
      await this.orm.em.fork().insert(DomainNameEntity, row);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict(`${fqdn} is already asked for or used by a site`);
      throw error;
    }
    if (state === 'ACTIVE') await this.publish(row);
    return row;
  }

  /** A platform admin accepts a name that waited for approval. */
  async approve(name: string): Promise<DomainNameRow> {
    const row = await this.get(name);
    if (row.state !== 'AWAITING_APPROVAL') throw conflict(`${row.fqdn} is ${row.state}, not waiting for approval`);
    return this.activate(row);
  }

  /** Looks for the EXTERNAL name's token in DNS; ACTIVE once it is there. */
  async verify(row: DomainNameRow): Promise<DomainNameRow> {
    if (row.state !== 'EXTERNAL') throw conflict(`${row.fqdn} is ${row.state}; only EXTERNAL names are verified`);
    const where = verificationNameOf(row.fqdn);
    let found: boolean;
    try {
      found = await hasTxtToken(where, row.verificationToken!, this.settings.verificationResolvers);
    } catch (error) {
      throw conflict(`The TXT record at ${where} could not be looked up (${(error as Error).message}); try again shortly`);
    }
    if (!found) throw conflict(`No TXT record at ${where} holds "${row.verificationToken}" yet; publish it (DNS may take a while to show it) and ask again`);
    return this.activate(row);
  }

  /**
   * Removes the name from its site, withdraws its records and says so on the bus. A lost message
   * is caught up by hosting's reconciliation, which compares vhosts with the sites' names here.
   */
  async remove(row: DomainNameRow): Promise<DomainNameRow> {
    const records = await this.recordsOfDomain(row);
    await this.orm.em.fork().nativeDelete(DomainNameEntity, { id: row.id });
    const removed: DomainNameRemoved = { siteId: row.siteId, fqdn: row.fqdn };
    await this.settings.bus.publish(DOMAIN_NAME_REMOVED_CHANNEL, removed).catch((error) => this.settings.logger.warn({ err: error, domain: row.fqdn }, 'domain name removal not announced; reconciliation will catch up'));
    if (records.length) await this.settings.dns.apply(deleteRRsets(records));
    return row;
  }

  /** Every record the site should have: its names', and those of its active domain names in managed zones. */
  async recordsOfSite(siteId: string): Promise<DnsRecord[]> {
    const id = validateId(siteId, 'siteId');
    const records = await this.network.recordsOf(await this.network.namesOfSites([id]));
    for (const domain of await this.ofSites([id])) records.push(...(await this.recordsOfDomain(domain)));
    return records;
  }

  /** For the scheduler: active names whose publication failed when they were accepted. */
  async publishPending(): Promise<number> {
    const pending = await this.orm.em.fork().find(DomainNameEntity, { state: 'ACTIVE', publishedAt: null, zone: { $ne: null } });
    for (const row of pending) await this.publish(row);
    return pending.length;
  }

  private async activate(row: DomainNameRow): Promise<DomainNameRow> {
    const taken = await this.orm.em.fork().nativeUpdate(DomainNameEntity, { id: row.id, state: row.state }, { state: 'ACTIVE', updatedAt: new Date() });
    if (taken !== 1) throw conflict(`${row.fqdn} changed meanwhile; look again`);
    const active = { ...row, state: 'ACTIVE' as const };
    await this.publish(active);
    return active;
  }

  /** Publishes at once; a DNS server that is down leaves it to the scheduler, not to the requester. */
  private async publish(row: DomainNameRow): Promise<void> {
    const records = await this.recordsOfDomain(row);
    if (records.length === 0) return;
    try {
      await this.settings.dns.apply(replaceRRsets(records));
      await this.orm.em.fork().nativeUpdate(DomainNameEntity, { id: row.id }, { publishedAt: new Date() });
    } catch (error) {
      this.settings.logger.warn({ err: error, domain: row.fqdn }, 'domain name not published yet; the scheduler will try again');
    }
  }

  /**
   * A CNAME to the site's service name; a zone's apex cannot have one (it has SOA and NS), so it gets
   * the service addresses instead. EXTERNAL names are their owners' to point.
   */
  private async recordsOfDomain(row: DomainNameRow): Promise<DnsRecord[]> {
    if (row.state !== 'ACTIVE' || !row.zone || !inZones(row.fqdn, this.settings.zones)) return [];
    const service = await this.network.serviceNameOf(row.siteId);
    if (!service) return [];
    const ttl = this.network.recordTtl;
    if (row.fqdn !== row.zone) return [domainRecord(row.fqdn, service.fqdn, ttl)];
    return (await this.network.addressesOf([service.id])).map((address) =>
      normalizeRecord({ name: row.fqdn, type: address.address.includes(':') ? 'AAAA' : 'A', ttl, value: address.address }),
    );
  }

  /** Platform admins, and members of a group given the longest part of the zone the name is in. */
  private mayTake(principal: Principal, fqdn: string): boolean {
    if (principal.admin) return true;
    const part = Object.keys(this.settings.zoneGroups)
      .map((key) => key.toLowerCase().replace(/\.$/, ''))
      .filter((key) => fqdn === key || fqdn.endsWith(`.${key}`))
      .sort((a, b) => b.length - a.length)[0];
    if (!part) return false;
    const groups = Object.entries(this.settings.zoneGroups).find(([key]) => key.toLowerCase().replace(/\.$/, '') === part)![1];
    return groups.some((group) => principal.groups.includes(group));
  }
}
