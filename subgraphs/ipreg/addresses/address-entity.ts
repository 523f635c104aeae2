import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** FREE addresses have no row: only what was handed out is stored, so a /64 costs nothing. */
export const ADDRESS_STATES = ['FREE', 'ALLOCATED', 'QUARANTINED'] as const;
export type AddressState = (typeof ADDRESS_STATES)[number];

/**
 * An address that was handed out. The unique address (and pool + offset) is the last line of
 * defence against two holders: a racing allocation that slipped past the pool lock fails to insert.
 */
export const AddressEntity = defineEntity({
  name: 'Address',
  tableName: 'ipreg_addresses',
  properties: {
    id: p.uuid().primary(),
    poolId: p.uuid(),
    address: p.string().length(45).unique(),
    offset: p.string().length(32),
    state: p.enum(ADDRESS_STATES),
    /** The name that holds it (ready or assigned); null once released. */
    nameId: p.uuid().nullable().index(),
    siteId: p.uuid().nullable().index(),
    vmId: p.uuid().nullable(),
    allocatedAt: p.datetime().nullable(),
    /** A QUARANTINED address may be handed out again from this moment. */
    quarantinedUntil: p.datetime().nullable(),
  },
  uniques: [{ properties: ['poolId', 'offset'] }],
  indexes: [{ properties: ['poolId', 'state', 'quarantinedUntil'] }],
});
export type AddressRow = InferEntity<typeof AddressEntity>;
