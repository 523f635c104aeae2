import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { requirePerson, signedIn } from '../../../core/principal.js';
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
    return toSshKey(await context.sshKeys.add(principal, key, comment));
  }

  @Mutation(() => SshKey, { description: 'Removes one of your SSH keys; returns it as it was.' })
  async removeSshKey(@Arg('id', () => ID) id: string, @Ctx() context: IdentityContext): Promise<SshKey> {
    const principal = requirePerson(signedIn(context.principal), 'remove SSH keys');
    return toSshKey(await context.sshKeys.remove(principal, id));
  }
}
