import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * ACTIVE: its records are the site's; AWAITING_APPROVAL: inside a managed zone, for an admin to
 * accept; EXTERNAL: outside the managed zones, until its owner publishes the TXT token.
 */
export const DOMAIN_NAME_STATES = ['ACTIVE', 'AWAITING_APPROVAL', 'EXTERNAL'] as const;
export type DomainNameState = (typeof DOMAIN_NAME_STATES)[number];

export const DomainNameEntity = defineEntity({
  name: 'DomainName',
  tableName: 'ipreg_domain_names',
  properties: {
    id: p.uuid().primary(),
    siteId: p.uuid().index(),
    /** ASCII (punycode), lower case, no trailing dot. Unique: a name serves one site. */
    fqdn: p.string().length(253).unique(),
    /** The managed zone that holds it; null for EXTERNAL names. */
    zone: p.string().length(253).nullable(),
    state: p.enum(DOMAIN_NAME_STATES),
    /** What its owner publishes as TXT at `_hostgraph.<fqdn>` to prove control. */
    verificationToken: p.string().length(64).nullable(),
    requestedBy: p.string().length(255),
    /** When its records were last published; null while they are to be (the scheduler catches up). */
    publishedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type DomainNameRow = InferEntity<typeof DomainNameEntity>;
