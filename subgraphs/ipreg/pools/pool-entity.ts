import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const POOL_PURPOSES = ['SERVICE', 'HOST', 'TEST'] as const;
export type PoolPurpose = (typeof POOL_PURPOSES)[number];
export const FAMILIES = ['ipv4', 'ipv6'] as const;

/**
 * A prefix addresses are handed out from. `nextOffset` is the allocation cursor: every offset
 * below it has been handed out once (its address row exists, allocated or quarantined) or is
 * reserved, so allocation never lists the prefix. Rows are locked while an allocation moves it.
 */
export const PoolEntity = defineEntity({
  name: 'Pool',
  tableName: 'ipreg_pools',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(63).unique(),
    /** Normalized CIDR. */
    prefix: p.string().length(64).unique(),
    family: p.enum(FAMILIES),
    purpose: p.enum(POOL_PURPOSES).index(),
    /** The managed zone its names are made in. */
    zone: p.string().length(253),
    gateway: p.string().length(45).nullable(),
    /** JSON: `[{ "from": "192.0.2.1", "to": "192.0.2.9" }]`, inclusive. */
    reserved: p.text(),
    /** Fixed-width hex (see prefix.ts), so it compares as text. */
    nextOffset: p.string().length(32),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type PoolRow = InferEntity<typeof PoolEntity>;
