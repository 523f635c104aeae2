import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const SshKeyEntity = defineEntity({
  name: 'IdentitySshKey',
  tableName: 'identity_ssh_keys',
  properties: {
    id: p.uuid().primary(),
    username: p.string().length(255).index(),
    type: p.string().length(64),
    bits: p.integer(),
    /** `SHA256:…` as `ssh-keygen -lf` prints it. */
    fingerprint: p.string().length(128),
    /** `type base64` with nothing else, as it goes into authorized_keys. */
    publicKey: p.text(),
    comment: p.string().length(255).nullable(),
    createdAt: p.datetime(),
  },
  uniques: [{ properties: ['username', 'fingerprint'] }],
});
export type SshKey = InferEntity<typeof SshKeyEntity>;
