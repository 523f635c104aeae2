import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { PoolEntity } from '../pools/pool-entity.js';
import { toPool, type Pool } from '../pools/pool-view.js';
import { addressAt, offsetKey, offsetOfKey, usableRange } from '../pools/prefix.js';
import { isReserved, skipReserved } from '../pools/reserved-ranges.js';
import { AddressEntity, type AddressRow } from './address-entity.js';

export interface AddressHolder {
  nameId: string;
  siteId: string | null;
  vmId: string | null;
}

/** Quarantined addresses looked at per allocation when the cursor has reached the end of the pool. */
const REUSE_CANDIDATES = 8;

/**
 * Hands out one address of a pool, inside the caller's transaction. The pool's row is locked
 * first (a no-op UPDATE: a row lock on PostgreSQL, the write lock on SQLite, taken before any read
 * so two SQLite processes never both hold a read lock they must upgrade), then:
 * the cursor's next unreserved offset, if the pool has one left (BigInt arithmetic, nothing listed);
 * otherwise the longest-expired quarantined address. Null: the pool is full.
 */
export async function allocateAddress(em: EntityManager, poolId: string, holder: AddressHolder, now: Date): Promise<AddressRow | null> {
  await em.getConnection().execute('update ipreg_pools set next_offset = next_offset where id = ?', [poolId], 'run', em.getTransactionContext());
  const row = await em.findOne(PoolEntity, { id: poolId }, { refresh: true });
  if (!row) return null;
  const pool = toPool(row);
  const fresh = skipReserved(offsetOfKey(row.nextOffset), pool.reservedOffsets);
  if (fresh <= usableRange(pool.prefix).last) {
    const address: AddressRow = {
      id: randomUUID(),
      poolId,
      address: addressAt(pool.prefix, fresh),
      offset: offsetKey(fresh),
      state: 'ALLOCATED',
      nameId: holder.nameId,
      siteId: holder.siteId,
      vmId: holder.vmId,
      allocatedAt: now,
      quarantinedUntil: null,
    };
    await em.insert(AddressEntity, address);
    await em.nativeUpdate(PoolEntity, { id: poolId }, { nextOffset: offsetKey(fresh + 1n) });
    return address;
  }
  return reuseQuarantined(em, pool, holder, now);
}

/** An address whose quarantine is over, oldest first; ones reserved since they were released are skipped. */
async function reuseQuarantined(em: EntityManager, pool: Pool, holder: AddressHolder, now: Date): Promise<AddressRow | null> {
  const candidates = await em.find(
    AddressEntity,
    { poolId: pool.id, state: 'QUARANTINED', quarantinedUntil: { $lte: now } },
    { orderBy: { quarantinedUntil: 'asc' }, limit: REUSE_CANDIDATES },
  );
  for (const candidate of candidates) {
    if (isReserved(offsetOfKey(candidate.offset), pool.reservedOffsets)) continue;
    const taken = await em.nativeUpdate(
      AddressEntity,
      { id: candidate.id, state: 'QUARANTINED' },
      { state: 'ALLOCATED', nameId: holder.nameId, siteId: holder.siteId, vmId: holder.vmId, allocatedAt: now, quarantinedUntil: null },
    );
    if (taken === 1) return { ...candidate, state: 'ALLOCATED', ...holder, allocatedAt: now, quarantinedUntil: null };
  }
  return null;
}
