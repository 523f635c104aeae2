import { Field, Float, ObjectType, registerEnumType } from 'type-graphql';
import { Site } from '../series/series-types.js';
import { USAGE_GROUPINGS, type UsageGrouping } from './usage-service.js';

export const UsageGroupingEnum = Object.fromEntries(USAGE_GROUPINGS.map((value) => [value, value])) as Record<UsageGrouping, UsageGrouping>;
registerEnumType(UsageGroupingEnum, {
  name: 'UsageGrouping',
  valuesConfig: {
    SITE: { description: 'One record per site and hour.' },
    GROUP: { description: "Per admin group of the sites (every group identity's grant log shows as an admin of the site); a site counts in full under each." },
    INSTITUTION: { description: 'Per institution, from configuration `metrics.institutions` (group → institution); a site counts once under each of its groups’ institutions.' },
  },
});

@ObjectType({ description: 'What a site (or a group, or an institution) used during one hour, for billing.' })
export class UsageRecord {
  @Field(() => String, { description: 'The site id, the group id, or the institution, by the grouping asked for; "(no group)" or "(no institution)" for the rest.' })
  key!: string;

  @Field(() => Site, { nullable: true, description: 'The site, when grouped by SITE; once it has been deleted, hosting no longer knows it (`siteName` still says which it was).' })
  site!: Site | null;

  @Field(() => String, { nullable: true, description: "The site's name then, when grouped by SITE." })
  siteName!: string | null;

  @Field(() => Date, { description: 'The start of the hour.' })
  hour!: Date;

  @Field(() => String, { nullable: true, description: "The site's last state within the hour, when grouped by SITE." })
  state!: string | null;

  @Field(() => Float, { description: 'vCPUs × hours running.' })
  vcpuHours!: number;

  @Field(() => Float, { description: 'Memory in GB (1024 MiB) × hours running.' })
  memoryGbHours!: number;

  @Field(() => Float, { description: 'Disk in GB (GiB) × hours the site held its disk (every state but FAILED and CANCELLED).' })
  diskGbHours!: number;
}
