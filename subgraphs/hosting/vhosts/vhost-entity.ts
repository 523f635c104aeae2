import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A vhost stays, as REMOVING, until a configuration run has taken it off the VM. */
export const VHOST_STATES = ['ACTIVE', 'REMOVING'] as const;
export type VhostState = (typeof VHOST_STATES)[number];

/** Where a vhost's certificate came from: requested from the configured issuer, or uploaded by the site. */
export const CERTIFICATE_SOURCES = ['ISSUED', 'UPLOADED'] as const;
export type CertificateSource = (typeof CERTIFICATE_SOURCES)[number];

export const VhostEntity = defineEntity({
  name: 'Vhost',
  tableName: 'vhosts',
  properties: {
    id: p.uuid().primary(),
    siteId: p.uuid().index(),
    /** Names its files on the VM (`hostgraph-<name>.conf`, `/srv/www/<name>`): `default` for the service name's. */
    name: p.string().length(63),
    serverName: p.string().length(253),
    aliases: p.json<string[]>(),
    state: p.enum(VHOST_STATES),
    certificateSource: p.enum(CERTIFICATE_SOURCES).nullable(),
    /** Leaf then intermediates, PEM. */
    certificateChain: p.text().nullable(),
    /** Sealed (sealed-secrets.ts): never stored in the clear. */
    privateKeySealed: p.text().nullable(),
    certificateNotAfter: p.datetime().nullable(),
    certificateRenewAfter: p.datetime().nullable().index(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['siteId', 'name'] }],
});
export type Vhost = InferEntity<typeof VhostEntity>;

/** Every name any vhost answers on, main name and aliases: the unique index keeps two vhosts off one name. */
export const VhostNameEntity = defineEntity({
  name: 'VhostName',
  tableName: 'vhost_names',
  properties: {
    name: p.string().length(253).primary(),
    vhostId: p.uuid().index(),
  },
});
