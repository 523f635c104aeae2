import { GraphQLSafeInt } from 'graphql-scalars';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { connectionType } from '../../../core/graphql/connection.js';

@ObjectType({ description: 'A person from the directory (or, for a dev token, as the token names them).' })
@Directive('@key(fields: "username")')
export class User {
  @Field(() => String)
  username!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => String, { nullable: true })
  mail!: string | null;

  @Field(() => GraphQLSafeInt, { nullable: true, description: 'POSIX uid, for their account on site VMs.' })
  uidNumber!: number | null;

  @Field(() => GraphQLSafeInt, { nullable: true })
  gidNumber!: number | null;

  @Field(() => Boolean, { description: 'False once they left the directory: their grants stop working and their API tokens are revoked.' })
  active!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the directory stopped listing them.' })
  leftAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the directory last listed them; see `directoryStatus` for whether the copy is stale.' })
  syncedAt!: Date | null;

  @Field(() => Boolean, { description: 'False for someone the directory does not know (a dev token user).' })
  inDirectory!: boolean;
}

export const UserConnection = connectionType(User, 'User');

@ObjectType({ description: 'A group from the directory; grants to it reach its members and the members of its member groups.' })
@Directive('@key(fields: "id")')
export class Group {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Date, { description: 'When the directory last listed it.' })
  syncedAt!: Date;
}

export const GroupConnection = connectionType(Group, 'Group');

@ObjectType({ description: 'How fresh the copy of the directory is. The API answers from the copy while the directory is down.' })
export class DirectoryStatus {
  @Field(() => String, { nullable: true, description: '`ldap` or `static`; null before the first sync.' })
  kind!: string | null;

  @Field(() => Date, { nullable: true, description: 'The last sync that succeeded.' })
  lastSyncAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => Boolean, { description: 'True when the last attempt failed or the last success is too old: users and groups may be out of date.' })
  stale!: boolean;

  @Field(() => Int, { nullable: true, description: 'Seconds since the last successful sync.' })
  ageSeconds!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (platform admins only).' })
  lastError!: string | null;

  @Field(() => Int)
  users!: number;

  @Field(() => Int)
  groups!: number;
}

@ObjectType({ description: 'Internal: what the gateway adds to a caller’s principal.' })
export class PrincipalFacts {
  @Field(() => Boolean, { description: 'Whether the directory has ever listed them.' })
  known!: boolean;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => [String], { description: 'Every group they belong to, nested groups followed.' })
  groups!: string[];
}
