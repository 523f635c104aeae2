import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { SeedPool } from '../../../core/config.js';
import type { Dialect } from '../../../core/database/open-database.js';
import { badInput, conflict, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Logger } from '../../../core/logger.js';
import { normalizeName } from '../../../plugins/dns/dns-record.js';
import { parseIpAddress } from '../../../plugins/dns/ip-address.js';
import { forwardZones } from '../../../plugins/dns/managed-zones.js';
import { Fatal } from '../../../plugins/plugin-errors.js';
import { AddressEntity, type AddressRow, type AddressState } from '../addresses/address-entity.js';
import { POOL_PURPOSES, PoolEntity, type PoolPurpose } from './pool-entity.js';
import { retryContention } from '../transactions/retry-contention.js';
import { toPool, type Pool } from './pool-view.js';
import { offsetIn, offsetKey, offsetOfKey, overlap, parsePrefix, usableRange } from './prefix.js';
import { isReserved, reservedOffsets, skipReserved, type AddressRange } from './reserved-ranges.js';

export interface NewPool {
  name: string;
  prefix: string;
  purpose: PoolPurpose;
  zone: string;
  gateway?: string | null;
  reserved?: AddressRange[] | null;
}

const POOL_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface PoolUsage {
  allocated: number;
  quarantined: number;
}

/** Platform admins' pools: checked before anything is stored, removed once nothing in them is held. */
export class PoolService {
  constructor(
    private readonly orm: MikroORM,
    /** The forward zones names may be made in (the DNS publisher's zones). */
    private readonly zones: string[],
    private readonly dialect: Dialect,
  ) {}

  async list(purpose?: PoolPurpose | null): Promise<Pool[]> {
    const rows = await this.orm.em.fork().find(PoolEntity, purpose ? { purpose } : {}, { orderBy: { name: 'asc' } });
    return rows.map(toPool);
  }

  async get(id: string): Promise<Pool> {
    const row = await this.orm.em.fork().findOne(PoolEntity, { id: validateId(id) });
    if (!row) throw notFound('Pool', id);
    return toPool(row);
  }

  async findByIds(ids: string[]): Promise<Pool[]> {
    return (await this.orm.em.fork().find(PoolEntity, { id: { $in: ids } })).map(toPool);
  }

  async usage(poolId: string): Promise<PoolUsage> {
    const em = this.orm.em.fork();
    const [allocated, quarantined] = await Promise.all([
      em.count(AddressEntity, { poolId, state: 'ALLOCATED' }),
      em.count(AddressEntity, { poolId, state: 'QUARANTINED' }),
    ]);
    return { allocated, quarantined };
  }

  addresses(poolId: string, state: AddressState | null, limit: number): Promise<AddressRow[]> {
    return this.orm.em.fork().find(AddressEntity, { poolId, ...(state ? { state } : {}) }, { orderBy: { offset: 'asc' }, limit });
  }

  /**
   * What the registry knows of one address: its row when it was handed out, or FREE in the pool
   * that holds it (reserved addresses too: nobody holds them). NOT_FOUND outside every pool.
   */
  async lookup(text: string): Promise<{ pool: Pool; row: AddressRow | null; address: string }> {
    const parsed = parseIpAddress(text.trim());
    if (!parsed) throw badInput(`"${text.slice(0, 80)}" is not an IP address`, 'address');
    const address = parsed.toString();
    const pool = (await this.list()).find((candidate) => offsetIn(candidate.prefix, address) !== null);
    if (!pool) throw notFound('Address', `${address} (in no pool)`);
    return { pool, address, row: await this.orm.em.fork().findOne(AddressEntity, { address }) };
  }

  async create(input: NewPool): Promise<Pool> {
    const name = input.name.trim();
    if (!POOL_NAME.test(name)) throw badInput(`pool name "${name.slice(0, 80)}" must be lower-case letters, digits and hyphens, 1–63 characters`, 'name');
    if (!POOL_PURPOSES.includes(input.purpose)) throw badInput(`purpose must be one of ${POOL_PURPOSES.join(', ')}`, 'purpose');
    const prefix = parsePrefix(input.prefix);
    const zone = this.managedZone(input.zone);
    const gateway = input.gateway?.trim() || null;
    const reserved = input.reserved ?? [];
    const offsets = reservedOffsets(prefix, reserved, gateway);
    const { first, last } = usableRange(prefix);
    if (skipReserved(first, offsets) > last) throw badInput(`${prefix.text} has no address left once the reserved ranges and gateway are taken out`, 'reserved');

    return retryContention(() => this.orm.em.fork().transactional(async (tx) => {
      // Two admins adding overlapping pools at once: the second waits and then sees the first.
      if (this.dialect === 'postgresql') {
        await tx.getConnection().execute('lock table ipreg_pools in share row exclusive mode', [], 'run', tx.getTransactionContext());
      }
      const existing = (await tx.find(PoolEntity, {})).map(toPool);
      if (existing.some((pool) => pool.name === name)) throw conflict(`A pool named ${name} already exists; choose another name`);
      const clash = existing.find((pool) => overlap(pool.prefix, prefix));
      if (clash) throw badInput(`${prefix.text} overlaps pool ${clash.name} (${clash.prefix.text}); pools may not share addresses`, 'prefix');
      const row = tx.create(PoolEntity, {
        id: randomUUID(),
        name,
        prefix: prefix.text,
        family: prefix.family,
        purpose: input.purpose,
        zone,
        gateway: gateway && parseIpAddress(gateway)!.toString(),
        reserved: JSON.stringify(reserved.map((range) => ({ from: range.from.trim(), to: range.to.trim() }))),
        nextOffset: offsetKey(first),
      });
      await tx.flush();
      return toPool(row);
    }));
  }

  /**
   * Changes what a pool keeps back: its gateway (null removes it) and reserved ranges. Refused with
   * CONFLICT when an allocated address would fall inside; quarantined ones there are never reused.
   */
  async update(id: string, change: { gateway?: string | null; reserved?: AddressRange[] | null }): Promise<Pool> {
    const pool = await this.get(id);
    const gateway = change.gateway === undefined ? pool.gateway : change.gateway?.trim() || null;
    const reserved = change.reserved === undefined || change.reserved === null ? pool.reserved : change.reserved;
    const offsets = reservedOffsets(pool.prefix, reserved, gateway);
    return retryContention(() => this.orm.em.fork().transactional(async (tx) => {
      // Under the pool's lock, so no allocation hands out an address about to be reserved.
      await tx.getConnection().execute('update ipreg_pools set next_offset = next_offset where id = ?', [pool.id], 'run', tx.getTransactionContext());
      const held = (await tx.find(AddressEntity, { poolId: pool.id, state: 'ALLOCATED' }, { fields: ['address', 'offset'] })).filter((row) =>
        isReserved(offsetOfKey(row.offset), offsets),
      );
      if (held.length > 0) {
        throw conflict(`${held.slice(0, 5).map((row) => row.address).join(', ')}${held.length > 5 ? ' and others' : ''} would be reserved but ${held.length === 1 ? 'is' : 'are'} allocated; release them first`);
      }
      const row = await tx.findOneOrFail(PoolEntity, { id: pool.id });
      row.gateway = gateway && parseIpAddress(gateway)!.toString();
      row.reserved = JSON.stringify(reserved.map((range) => ({ from: range.from.trim(), to: range.to.trim() })));
      await tx.flush();
      return toPool(row);
    }));
  }

  /** Removes a pool none of whose addresses is held; quarantined ones go with it. */
  async remove(id: string): Promise<Pool> {
    const pool = await this.get(id);
    return retryContention(() => this.orm.em.fork().transactional(async (tx) => {
      const held = await tx.count(AddressEntity, { poolId: pool.id, state: 'ALLOCATED' });
      if (held > 0) throw conflict(`Pool ${pool.name} still has ${held} allocated address${held === 1 ? '' : 'es'}; release them first`);
      await tx.nativeDelete(AddressEntity, { poolId: pool.id });
      await tx.nativeDelete(PoolEntity, { id: pool.id });
      return pool;
    }));
  }

  /** The embedded default's pools, created when there is none yet. */
  async seed(pools: SeedPool[], logger: Logger): Promise<void> {
    if (pools.length === 0 || (await this.orm.em.fork().count(PoolEntity, {})) > 0) return;
    for (const pool of pools) {
      try {
        await this.create(pool);
      } catch (error) {
        // Another replica seeded at the same moment.
        if ((await this.orm.em.fork().count(PoolEntity, { name: pool.name })) === 0) throw error;
      }
    }
    logger.info({ pools: pools.map((pool) => pool.name) }, 'address pools seeded');
  }

  private managedZone(zone: string): string {
    let normalized: string;
    try {
      normalized = normalizeName(zone);
    } catch (error) {
      if (error instanceof Fatal) throw badInput(error.message, 'zone');
      throw error;
    }
    const forward = forwardZones(this.zones);
    if (!forward.includes(normalized)) throw badInput(`zone ${normalized} is not one of the managed zones (${forward.join(', ')})`, 'zone');
    return normalized;
  }
}
