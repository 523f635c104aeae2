import type { PoolPurpose, PoolRow } from './pool-entity.js';
import { parsePrefix, type Prefix } from './prefix.js';
import { reservedOffsets, type AddressRange, type OffsetRange } from './reserved-ranges.js';

/** A pool row with its prefix and reserved offsets worked out, for allocation and for the API. */
export interface Pool {
  id: string;
  name: string;
  prefix: Prefix;
  purpose: PoolPurpose;
  zone: string;
  gateway: string | null;
  reserved: AddressRange[];
  /** The reserved ranges and the gateway, as offsets, sorted. */
  reservedOffsets: OffsetRange[];
  createdAt: Date;
}

export function toPool(row: PoolRow): Pool {
  const prefix = parsePrefix(row.prefix);
  const reserved = JSON.parse(row.reserved) as AddressRange[];
  return {
    id: row.id,
    name: row.name,
    prefix,
    purpose: row.purpose,
    zone: row.zone,
    gateway: row.gateway ?? null,
    reserved,
    reservedOffsets: reservedOffsets(prefix, reserved, row.gateway ?? null),
    createdAt: row.createdAt,
  };
}
