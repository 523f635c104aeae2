import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { Group, User } from '../people/people-types.js';

@ObjectType({ description: 'Upper bounds; null is no limit.' })
export class QuotaLimits {
  @Field(() => Int, { nullable: true })
  sites!: number | null;

  @Field(() => Int, { nullable: true })
  vcpus!: number | null;

  @Field(() => Int, { nullable: true })
  memoryMiB!: number | null;

  @Field(() => Int, { nullable: true })
  snapshots!: number | null;
}

@InputType({ description: 'Upper bounds; an omitted or null limit is no limit.' })
export class QuotaLimitsInput {
  @Field(() => Int, { nullable: true })
  sites?: number | null;

  @Field(() => Int, { nullable: true })
  vcpus?: number | null;

  @Field(() => Int, { nullable: true })
  memoryMiB?: number | null;

  @Field(() => Int, { nullable: true })
  snapshots?: number | null;
}

@ObjectType({ description: 'Limits an admin set on a person or on a group (each member gets them).' })
export class Quota {
  @Field(() => User, { nullable: true })
  user!: User | null;

  @Field(() => Group, { nullable: true })
  group!: Group | null;

  @Field(() => QuotaLimits)
  limits!: QuotaLimits;

  @Field(() => String)
  updatedBy!: string;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({ description: 'The limit that applies, and where it comes from.' })
export class EffectiveLimit {
  @Field(() => Int, { nullable: true, description: 'Null: no limit.' })
  limit!: number | null;

  @Field(() => String, { nullable: true, description: '`user alice`, `group students` or `default`; null when nothing limits it.' })
  source!: string | null;
}

@ObjectType({ description: 'For each resource, the smallest limit among the person’s own quota, their groups’ and the default.' })
export class EffectiveQuota {
  @Field(() => EffectiveLimit)
  sites!: EffectiveLimit;

  @Field(() => EffectiveLimit)
  vcpus!: EffectiveLimit;

  @Field(() => EffectiveLimit)
  memoryMiB!: EffectiveLimit;

  @Field(() => EffectiveLimit)
  snapshots!: EffectiveLimit;
}
