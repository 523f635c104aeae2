import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { badInput, conflict, poolExhausted } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { DnsRecord } from '../../../plugins/dns/dns-record.js';
import { allocateAddress } from '../addresses/address-allocator.js';
import { AddressEntity, type AddressRow } from '../addresses/address-entity.js';
import { DomainNameEntity } from '../domain-names/domain-name-entity.js';
import { generateHostKeys, type HostKey } from '../host-keys/generate-host-keys.js';
import { sealPrivateKey } from '../host-keys/host-key-sealing.js';
import { HostKeyEntity, type HostKeyRow } from '../names/host-key-entity.js';
import { NameEntity, type NameKind, type NameRow } from '../names/name-entity.js';
import { newNameIn } from '../names/name-label.js';
import { recordsOfName } from '../names/name-records.js';
import { FAMILIES, POOL_PURPOSES, PoolEntity, type PoolPurpose } from '../pools/pool-entity.js';
import { retryContention } from '../transactions/retry-contention.js';

export interface NetworkRequest {
  siteId: string;
  purpose: PoolPurpose;
  /** HOST names are a VM's (required); service names may say which VM serves them. */
  vmId?: string | null;
}

export interface NetworkSettings {
  quarantineSeconds: number;
  recordTtl: number;
  /** Every zone records are published to, forward and reverse. */
  zones: string[];
  hostKeyEncryptionKey: Buffer;
  clock?: () => Date;
}

export const kindOf = (purpose: PoolPurpose): NameKind => (purpose === 'HOST' ? 'HOST' : 'SERVICE');

const holderKeyOf = (request: NetworkRequest) => (request.purpose === 'HOST' ? `vm:${request.vmId}` : `site:${request.siteId}:${request.purpose}`);

/**
 * Names with their addresses: allocated for a site (one IPv4 and one IPv6, as the purpose's pools
 * allow, and the name, in one transaction), preallocated ahead of sites, released into quarantine.
 * A retried allocation returns what the first made; racing ones each get their own addresses.
 */
export class NetworkService {
  private readonly clock: () => Date;

  constructor(
    private readonly orm: MikroORM,
    private readonly settings: NetworkSettings,
  ) {
    this.clock = settings.clock ?? (() => new Date());
  }

  get recordTtl() {
    return this.settings.recordTtl;
  }

  /** The name the site (or VM) holds for this purpose, taken from the ready ones or made now. */
  async allocate(request: NetworkRequest): Promise<NameRow> {
    const siteId = validateId(request.siteId, 'siteId');
    const vmId = request.vmId ? validateId(request.vmId, 'vmId') : null;
    if (!POOL_PURPOSES.includes(request.purpose)) throw badInput(`purpose must be one of ${POOL_PURPOSES.join(', ')}`, 'purpose');
    if (request.purpose === 'HOST' && !vmId) throw badInput('a HOST name belongs to a VM: give vmId', 'vmId');
    const holder = { siteId, vmId, purpose: request.purpose, holderKey: holderKeyOf({ ...request, siteId, vmId }) };
    const held = () => this.orm.em.fork().findOne(NameEntity, { holderKey: holder.holderKey });

    const existing = await held();
    const claimed = existing ?? (await retryContention(() => this.claimReady(holder), async () => held()));
    const name = claimed ?? (await this.make(holder.purpose, holder, held));
    if (name.siteId !== siteId) throw conflict(`VM ${vmId} already has a name, held by another site`);
    return name;
  }

  /** A READY name with its addresses and records, for the preallocation job. */
  preallocate(purpose: PoolPurpose): Promise<NameRow> {
    return this.make(purpose, null, async () => null);
  }

  /** Every name the site holds, and its VMs' host names, go; their addresses are quarantined. */
  async release(siteId: string): Promise<number> {
    const id = validateId(siteId, 'siteId');
    return retryContention(() => this.orm.em.fork().transactional(async (em) => {
      const released = await this.releaseNames(em, await em.find(NameEntity, { siteId: id }));
      // Its domain names are free for other sites again.
      if (released) await em.nativeDelete(DomainNameEntity, { siteId: id });
      return released;
    }));
  }

  /** One VM's names go (a test copy's service name and its host name); the site keeps the rest. */
  async releaseVm(vmId: string): Promise<number> {
    const id = validateId(vmId, 'vmId');
    return retryContention(() => this.orm.em.fork().transactional(async (em) => this.releaseNames(em, await em.find(NameEntity, { vmId: id }))));
  }

  private async releaseNames(em: EntityManager, names: NameRow[]): Promise<number> {
    if (names.length === 0) return 0;
    const nameIds = names.map((name) => name.id);
    const until = new Date(this.clock().getTime() + this.settings.quarantineSeconds * 1000);
    await em.nativeUpdate(AddressEntity, { nameId: { $in: nameIds } }, { state: 'QUARANTINED', quarantinedUntil: until, nameId: null, siteId: null, vmId: null });
    await em.nativeDelete(HostKeyEntity, { nameId: { $in: nameIds } });
    await em.nativeDelete(NameEntity, { id: { $in: nameIds } });
    return names.length;
  }

  namesOfSites(siteIds: string[]): Promise<NameRow[]> {
    return this.orm.em.fork().find(NameEntity, { siteId: { $in: siteIds } }, { orderBy: { kind: 'desc', fqdn: 'asc' } });
  }

  namesByIds(ids: string[]): Promise<NameRow[]> {
    return this.orm.em.fork().find(NameEntity, { id: { $in: ids } });
  }

  /** The name users' domains point at. */
  async serviceNameOf(siteId: string): Promise<NameRow | null> {
    return this.orm.em.fork().findOne(NameEntity, { holderKey: `site:${siteId}:SERVICE` });
  }

  namesOfVms(vmIds: string[]): Promise<NameRow[]> {
    return this.orm.em.fork().find(NameEntity, { vmId: { $in: vmIds } }, { orderBy: { fqdn: 'asc' } });
  }

  readyNames(purpose?: PoolPurpose): Promise<NameRow[]> {
    return this.orm.em.fork().find(NameEntity, { state: 'READY', ...(purpose ? { purpose } : {}) }, { orderBy: { createdAt: 'asc' } });
  }

  nameByFqdn(fqdn: string): Promise<NameRow | null> {
    return this.orm.em.fork().findOne(NameEntity, { fqdn: fqdn.toLowerCase().replace(/\.$/, '') });
  }

  /** IPv4 first, then IPv6, each in address order. */
  async addressesOf(nameIds: string[]): Promise<AddressRow[]> {
    if (nameIds.length === 0) return [];
    const rows = await this.orm.em.fork().find(AddressEntity, { nameId: { $in: nameIds } });
    const family = (row: AddressRow) => (row.address.includes(':') ? 1 : 0);
    return rows.sort((a, b) => family(a) - family(b) || a.poolId.localeCompare(b.poolId) || a.offset.localeCompare(b.offset));
  }

  hostKeysOf(nameIds: string[]): Promise<HostKeyRow[]> {
    if (nameIds.length === 0) return Promise.resolve([]);
    return this.orm.em.fork().find(HostKeyEntity, { nameId: { $in: nameIds } }, { orderBy: { algorithm: 'asc' } });
  }

  /** The records the names should have in DNS. */
  async recordsOf(names: Pick<NameRow, 'id' | 'fqdn'>[]): Promise<DnsRecord[]> {
    const ids = names.map((name) => name.id);
    const [addresses, keys] = await Promise.all([this.addressesOf(ids), this.hostKeysOf(ids)]);
    return names.flatMap((name) =>
      recordsOfName(
        {
          fqdn: name.fqdn,
          addresses: addresses.filter((address) => address.nameId === name.id).map((address) => address.address),
          publicKeys: keys.filter((key) => key.nameId === name.id).map((key) => key.publicKey),
        },
        this.settings.recordTtl,
        this.settings.zones,
      ),
    );
  }

  async markPublished(nameIds: string[]): Promise<void> {
    if (nameIds.length) await this.orm.em.fork().nativeUpdate(NameEntity, { id: { $in: nameIds } }, { publishedAt: this.clock() });
  }

  /**
   * Swaps the service names (and so the service addresses) of two VMs, in one transaction: a test
   * copy promoted to production takes over what users' domains point at. Host names stay put.
   */
  async switchServices(firstVmId: string, secondVmId: string): Promise<NameRow[]> {
    const first = validateId(firstVmId, 'firstVmId');
    const second = validateId(secondVmId, 'secondVmId');
    if (first === second) throw badInput('switching services needs two different VMs', 'secondVmId');
    return retryContention(() => this.orm.em.fork().transactional(async (em) => {
      const names = await em.find(NameEntity, { vmId: { $in: [first, second] }, kind: 'SERVICE' });
      const ofFirst = names.filter((name) => name.vmId === first);
      const ofSecond = names.filter((name) => name.vmId === second);
      if (ofFirst.length === 0 || ofSecond.length === 0) throw conflict('Both VMs need a service name to switch them; allocate one for each first');
      if (new Set(names.map((name) => name.siteId)).size !== 1) throw conflict('Only the VMs of one site can switch services');
      for (const name of ofFirst) name.vmId = second;
      for (const name of ofSecond) name.vmId = first;
      await em.flush();
      await em.nativeUpdate(AddressEntity, { nameId: { $in: ofFirst.map((name) => name.id) } }, { vmId: second });
      await em.nativeUpdate(AddressEntity, { nameId: { $in: ofSecond.map((name) => name.id) } }, { vmId: first });
      return names;
    }));
  }

  /**
   * The site's SERVICE name to `productionVmId` and its TEST name to `testVmId`: the outcome is
   * stated, so asking twice swaps once (switchServices retried, or undone, after a crash).
   */
  async assignServiceNames(siteId: string, productionVmId: string, testVmId: string): Promise<NameRow[]> {
    const site = validateId(siteId, 'siteId');
    const production = validateId(productionVmId, 'productionVmId');
    const test = validateId(testVmId, 'testVmId');
    if (production === test) throw badInput('the production and the test copy are two different VMs', 'testVmId');
    const names = await this.orm.em.fork().find(NameEntity, { siteId: site, purpose: { $in: ['SERVICE', 'TEST'] } });
    const service = names.find((name) => name.purpose === 'SERVICE');
    const testName = names.find((name) => name.purpose === 'TEST');
    if (!service || !testName) throw conflict('The site needs a service name and a test name to assign them; cloneToTest gives the test copy one');
    if (service.vmId === production && testName.vmId === test) return [service, testName];
    if (service.vmId === test && testName.vmId === production) return this.switchServices(production, test);
    throw conflict(`VMs ${production} and ${test} are not the ones serving the site's service and test names`);
  }

  /** Hands a ready name of the purpose to the holder; null when none is ready. */
  private async claimReady(holder: { siteId: string; vmId: string | null; purpose: PoolPurpose; holderKey: string }): Promise<NameRow | null> {
    return this.orm.em.fork().transactional(async (em) => {
      for (const candidate of await em.find(NameEntity, { state: 'READY', purpose: holder.purpose }, { orderBy: { createdAt: 'asc' }, limit: 4 })) {
        const taken = await em.nativeUpdate(
          NameEntity,
          { id: candidate.id, state: 'READY' },
          { state: 'ASSIGNED', holderKey: holder.holderKey, siteId: holder.siteId, vmId: holder.vmId },
        );
        if (taken !== 1) continue;
        await em.nativeUpdate(AddressEntity, { nameId: candidate.id }, { siteId: holder.siteId, vmId: holder.vmId });
        return { ...candidate, state: 'ASSIGNED' as const, holderKey: holder.holderKey, siteId: holder.siteId, vmId: holder.vmId };
      }
      return null;
    });
  }

  /** A new name with an address of each family the purpose has pools for; READY when `holder` is null. */
  private async make(
    purpose: PoolPurpose,
    holder: { siteId: string; vmId: string | null; holderKey: string } | null,
    held: () => Promise<NameRow | null>,
  ): Promise<NameRow> {
    const pools = await this.orm.em.fork().find(PoolEntity, { purpose }, { orderBy: { family: 'asc', name: 'asc' } });
    if (pools.length === 0) throw poolExhausted(`There is no ${purpose} address pool; a platform admin must add one`, { purpose });
    const zone = pools[0]!.zone;
    let fqdn = newNameIn(zone, purpose);
    // Generated outside the transaction: RSA keys take a while, and the pool lock should not wait for them.
    const keysFor = (name: string) => (kindOf(purpose) === 'HOST' ? generateHostKeys(name) : Promise.resolve([]));
    let keys = await keysFor(fqdn);
    return retryContention(
      () => this.orm.em.fork().transactional((em) => this.insertName(em, { fqdn, zone, purpose, holder, keys, pools })),
      async () => {
        const existing = await held();
        // A name that clashed by chance gets another label (keys are bound to the name, so new ones too).
        if (!existing && (await this.nameByFqdn(fqdn))) keys = await keysFor((fqdn = newNameIn(zone, purpose)));
        return existing;
      },
    );
  }

  private async insertName(
    em: EntityManager,
    name: { fqdn: string; zone: string; purpose: PoolPurpose; holder: { siteId: string; vmId: string | null; holderKey: string } | null; keys: HostKey[]; pools: { id: string; family: string; name: string }[] },
  ): Promise<NameRow> {
    const now = this.clock();
    const row: NameRow = {
      id: randomUUID(),
      fqdn: name.fqdn,
      zone: name.zone,
      kind: kindOf(name.purpose),
      purpose: name.purpose,
      state: name.holder ? 'ASSIGNED' : 'READY',
      holderKey: name.holder?.holderKey ?? null,
      siteId: name.holder?.siteId ?? null,
      vmId: name.holder?.vmId ?? null,
      publishedAt: null,
      createdAt: now,
    };
    await em.insert(NameEntity, row);
    const addressHolder = { nameId: row.id, siteId: row.siteId ?? null, vmId: row.vmId ?? null };
    // IPv4 pools first, then IPv6, each family in name order: every allocation locks pools in one order, so none deadlock.
    for (const family of FAMILIES) {
      const pools = name.pools.filter((pool) => pool.family === family);
      if (pools.length === 0) continue;
      let address: AddressRow | null = null;
      for (const pool of pools) if ((address = await allocateAddress(em, pool.id, addressHolder, now))) break;
      if (!address) {
        throw poolExhausted(`Every ${name.purpose} ${family === 'ipv4' ? 'IPv4' : 'IPv6'} pool is full (${pools.map((pool) => pool.name).join(', ')}); a platform admin must add room`, {
          purpose: name.purpose,
          family,
        });
      }
    }
    for (const key of name.keys) {
      await em.insert(HostKeyEntity, {
        id: randomUUID(),
        nameId: row.id,
        hostName: row.fqdn,
        algorithm: key.algorithm,
        publicKey: key.publicKey,
        sealedPrivateKey: sealPrivateKey(key.privateKey, this.settings.hostKeyEncryptionKey, { hostName: row.fqdn, algorithm: key.algorithm }),
      });
    }
    return row;
  }
}
