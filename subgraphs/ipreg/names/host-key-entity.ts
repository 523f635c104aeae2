import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A host name's SSH host key: the public half in the clear, the private half sealed (host-key-sealing.ts). */
export const HostKeyEntity = defineEntity({
  name: 'HostKey',
  tableName: 'ipreg_host_keys',
  properties: {
    id: p.uuid().primary(),
    nameId: p.uuid().index(),
    /** The name it was sealed for: part of the sealing's associated data. */
    hostName: p.string().length(253),
    algorithm: p.string().length(16),
    publicKey: p.text(),
    sealedPrivateKey: p.text(),
  },
  uniques: [{ properties: ['nameId', 'algorithm'] }],
});
export type HostKeyRow = InferEntity<typeof HostKeyEntity>;
