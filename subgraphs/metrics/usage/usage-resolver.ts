import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { requirePlatformAdmin } from '../../../core/principal.js';
import type { MetricsContext } from '../metrics-context.js';
import type { UsageGrouping } from './usage-service.js';
import { UsageGroupingEnum, UsageRecord } from './usage-types.js';

@Resolver()
export class UsageResolver {
  @Query(() => [UsageRecord], {
    description: 'Hourly vCPU, memory and disk usage in [from, to), computed from every site state and flavor change (platform admins). Also as CSV at /usage.csv.',
  })
  async usage(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Ctx() context: MetricsContext,
    @Arg('groupBy', () => UsageGroupingEnum, { defaultValue: 'SITE' }) groupBy: UsageGrouping,
  ): Promise<UsageRecord[]> {
    requirePlatformAdmin(context.principal, 'read usage for billing');
    const records = await context.usage.usage(from, to, groupBy);
    return records.map((record) => ({ ...record, hour: new Date(record.hour), site: groupBy === 'SITE' ? { id: record.key } : null }));
  }
}
