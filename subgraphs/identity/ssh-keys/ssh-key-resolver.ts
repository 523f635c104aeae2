import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { requirePerson, signedIn } from '../../../core/principal.js';
import { SSH_KEYS_CHANGED_CHANNEL, type SshKeysChanged } from '../identity-channels.js';
import type { IdentityContext } from '../identity-context.js';
import type { Person } from '../people/people-service.js';
import { User } from '../people/people-types.js';
import type { SshKey as SshKeyRow } from './ssh-key-entity.js';
import { SshKey } from './ssh-key-types.js';

const toSshKey = (row: SshKeyRow): SshKey => ({
  ...row,
  comment: row.comment ?? null,
  publicKey: row.comment ? `${row.publicKey} ${row.comment}` : row.publicKey,
});

/** Best effort: hosting's scheduled refresh catches what a lost message missed. */
const announceKeysChanged = (context: IdentityContext, username: string) =>
  context.bus.publish(SSH_KEYS_CHANGED_CHANNEL, { usernames: [username] } satisfies SshKeysChanged).catch(() => {});

@Resolver(() => User)
export class SshKeyResolver {
  @FieldResolver(() => [SshKey], { description: 'Their SSH public keys (public by nature: anyone signed in may read them).' })
  async sshKeys(@Root() user: Person, @Ctx() context: IdentityContext): Promise<SshKey[]> {
    signedIn(context.principal);
    return (await context.sshKeys.keysOf(user.username)).map(toSshKey);
  }

  @Mutation(() => SshKey, {
    description: 'Adds an SSH public key to your account: ed25519, ECDSA, or RSA of at least 3072 bits, one line as in a .pub file.',
  })
  async addSshKey(
    @Arg('key', () => String) key: string,
    @Ctx() context: IdentityContext,
    @Arg('comment', () => String, { nullable: true, description: 'Replaces the comment on the key line.' }) comment?: string,
  ): Promise<SshKey> {
    const principal = requirePerson(signedIn(context.principal), 'add SSH keys');
    const added = toSshKey(await context.sshKeys.add(principal, key, comment));
    await announceKeysChanged(context, principal.username);
    return added;
  }

  @Mutation(() => SshKey, { description: 'Removes one of your SSH keys; returns it as it was.' })
  async removeSshKey(@Arg('id', () => ID) id: string, @Ctx() context: IdentityContext): Promise<SshKey> {
    const principal = requirePerson(signedIn(context.principal), 'remove SSH keys');
    const removed = toSshKey(await context.sshKeys.remove(principal, id));
    await announceKeysChanged(context, principal.username);
    return removed;
  }
}
