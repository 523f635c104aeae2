import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { badInput } from '../../../core/errors.js';
import { requireService } from '../../../core/principal.js';
import type { HostingContext } from '../hosting-context.js';

@ObjectType({ description: 'Internal: a site as it was from `at` on, until its next entry.' })
export class SiteHistoryEntry {
  @Field(() => ID)
  siteId!: string;

  @Field(() => String)
  siteName!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { description: 'A SiteState, or DELETED.' })
  state!: string;

  @Field(() => String)
  flavor!: string;

  @Field(() => Int)
  vcpus!: number;

  @Field(() => Int)
  memoryMiB!: number;

  @Field(() => Int)
  diskGiB!: number;
}

const MAX_RANGE_MS = 400 * 86_400_000;

@Resolver()
export class SiteHistoryResolver {
  @Query(() => [SiteHistoryEntry], {
    description: 'Internal: every site state and flavor change in [from, to), and where each site stood at `from` (Hostgraph only, for billing).',
  })
  async siteHistory(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() context: HostingContext): Promise<SiteHistoryEntry[]> {
    requireService(context.principal);
    if (!(to > from) || to.getTime() - from.getTime() > MAX_RANGE_MS) throw badInput('to must be after from, and at most 400 days later', 'to');
    const entries = await context.history.between(from.getTime(), to.getTime());
    return entries.map((entry) => ({ ...entry, at: new Date(Number(entry.at)) }));
  }
}
