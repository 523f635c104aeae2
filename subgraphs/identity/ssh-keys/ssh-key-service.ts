import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import { badInput, conflict, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Principal } from '../../../core/principal.js';
import { SshKeyEntity, type SshKey } from './ssh-key-entity.js';
import { parseSshPublicKey } from './ssh-public-key.js';

const MAX_KEYS_PER_USER = 50;
const MAX_COMMENT = 255;

/** People's SSH public keys, installed with their accounts on the sites they have SSH access to. */
export class SshKeyService {
  constructor(private readonly orm: MikroORM) {}

  async keysOf(username: string): Promise<SshKey[]> {
    return this.orm.em.fork().find(SshKeyEntity, { username }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  async add(principal: Principal, text: string, comment?: string | null): Promise<SshKey> {
    const key = parseSshPublicKey(text);
    const label = comment?.trim() || key.comment;
    if (label && (label.length > MAX_COMMENT || /[\x00-\x1f\x7f]/.test(label))) {
      throw badInput(`comment must be plain text of at most ${MAX_COMMENT} characters`, 'comment');
    }
    const em = this.orm.em.fork();
    const existing = await em.findOne(SshKeyEntity, { username: principal.username, fingerprint: key.fingerprint });
    if (existing) throw conflict(`This key is already on your account (${key.fingerprint}${existing.comment ? `, "${existing.comment}"` : ''})`);
    if ((await em.count(SshKeyEntity, { username: principal.username })) >= MAX_KEYS_PER_USER) {
      throw conflict(`You already have ${MAX_KEYS_PER_USER} SSH keys; remove one you no longer use first`);
    }
    const row = {
      id: randomUUID(),
      username: principal.username,
      type: key.type,
      bits: key.bits,
      fingerprint: key.fingerprint,
      publicKey: key.normalized.split(' ').slice(0, 2).join(' '),
      comment: label ?? null,
      createdAt: new Date(),
    };
    try {
      await em.insert(SshKeyEntity, row);
    } catch (error) {
      // The same key pasted twice at once: the unique index decides.
      if (error instanceof UniqueConstraintViolationException) throw conflict(`This key is already on your account (${key.fingerprint})`);
      throw error;
    }
    return row;
  }

  async remove(principal: Principal, id: string): Promise<SshKey> {
    const em = this.orm.em.fork();
    const key = await em.findOne(SshKeyEntity, { id: validateId(id) });
    // Someone else's key is as good as absent: its id says nothing to this caller.
    if (!key || key.username !== principal.username) throw notFound('SSH key', id);
    await em.nativeDelete(SshKeyEntity, { id: key.id });
    return key;
  }
}
