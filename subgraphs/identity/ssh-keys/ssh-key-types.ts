import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An SSH public key, installed with its owner’s account on the sites they have SSH access to.' })
export class SshKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, …' })
  type!: string;

  @Field(() => Int)
  bits!: number;

  @Field(() => String, { description: 'As `ssh-keygen -lf` prints it: SHA256:…' })
  fingerprint!: string;

  @Field(() => String, { description: 'The line for authorized_keys: type, key and comment.' })
  publicKey!: string;

  @Field(() => String, { nullable: true })
  comment!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}
