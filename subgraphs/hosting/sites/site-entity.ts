import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { SITE_STATES } from './site-state.js';

export const SiteEntity = defineEntity({
  name: 'Site',
  tableName: 'sites',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(63).unique(),
    description: p.text().nullable(),
    state: p.enum(SITE_STATES).index(),
    flavor: p.string().length(64),
    owner: p.string().length(255).index(),
    /** Set by a platform admin's suspendSite (the site is DISABLED meanwhile); only they lift it. */
    suspendedReason: p.text().nullable(),
    suspendedBy: p.string().length(255).nullable(),
    suspendedAt: p.datetime().nullable(),
    /** When cancelSite ran; the site is destroyed once the retention period after it is over. */
    cancelledAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export type Site = InferEntity<typeof SiteEntity>;
