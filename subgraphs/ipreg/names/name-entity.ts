import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { POOL_PURPOSES } from '../pools/pool-entity.js';

/** SERVICE names are what users' domains point at and move with the service; HOST names stay with a VM. */
export const NAME_KINDS = ['SERVICE', 'HOST'] as const;
export type NameKind = (typeof NAME_KINDS)[number];
/** READY: preallocated, waiting for a site; ASSIGNED: held by a site (and, for HOST names, its VM). */
export const NAME_STATES = ['READY', 'ASSIGNED'] as const;
export type NameState = (typeof NAME_STATES)[number];

export const NameEntity = defineEntity({
  name: 'Name',
  tableName: 'ipreg_names',
  properties: {
    id: p.uuid().primary(),
    fqdn: p.string().length(253).unique(),
    zone: p.string().length(253),
    kind: p.enum(NAME_KINDS),
    purpose: p.enum(POOL_PURPOSES),
    state: p.enum(NAME_STATES),
    /**
     * `site:<id>:<purpose>` or `vm:<id>`: one name per holder, enforced by the database, so a
     * retried allocation finds the name its first attempt made instead of making another.
     */
    holderKey: p.string().length(80).nullable().unique(),
    siteId: p.uuid().nullable().index(),
    vmId: p.uuid().nullable().index(),
    /** When its records were last published (preallocated names are published while READY). */
    publishedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['state', 'purpose'] }],
});
export type NameRow = InferEntity<typeof NameEntity>;
