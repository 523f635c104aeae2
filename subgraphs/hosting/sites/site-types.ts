import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../../../core/graphql/connection.js';
import { SITE_STATES, type SiteState } from './site-state.js';

const SiteStateEnum = Object.fromEntries(SITE_STATES.map((state) => [state, state])) as Record<SiteState, SiteState>;
registerEnumType(SiteStateEnum, {
  name: 'SiteState',
  valuesConfig: {
    PROVISIONING: { description: 'Being created; its createSite task is running.' },
    RUNNING: { description: 'Its VM is running.' },
    STOPPED: { description: 'Its VM is powered off.' },
    DISABLED: { description: 'Switched off by its admins, or suspended by the platform admins (see `suspension`); kept.' },
    QUARANTINED: { description: 'Web and mail stopped, for a compromised site.' },
    CANCELLED: { description: 'Given up; destroyed after the retention period.' },
    FAILED: { description: 'Creation failed and was undone; delete it or try again.' },
  },
});

@ObjectType({ description: 'A size of VM a site can have, named in configuration.' })
export class Flavor {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  vcpus!: number;

  @Field(() => Int)
  memoryMiB!: number;

  @Field(() => Int)
  diskGiB!: number;
}

@ObjectType({ description: 'A hosted site: a managed VM with its names, addresses and web server.' })
@Directive('@key(fields: "id")')
export class Site {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'A DNS label, unique among sites.' })
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => SiteStateEnum)
  state!: SiteState;

  @Field(() => Flavor)
  flavor!: Flavor;

  @Field(() => String, { description: 'Username of whoever created the site, its first admin (`admins` lists who manages it now).' })
  owner!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

export const SiteConnection = connectionType(Site, 'Site');

@InputType({ description: 'Narrows `sites`; every field given must match.' })
export class SiteFilter {
  @Field(() => SiteStateEnum, { nullable: true })
  state?: SiteState;

  @Field(() => String, { nullable: true, description: 'Part of the name.' })
  nameContains?: string;

  @Field(() => String, { nullable: true, description: 'Sites created by this user, among those you may see.' })
  owner?: string;
}

@InputType()
export class CreateSiteInput {
  @Field(() => String, { description: 'Lower-case letters, digits and hyphens; 1–63 characters; no hyphen at either end.' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string;

  @Field(() => String, { description: 'One of the flavors in `flavors`.' })
  flavor!: string;
}

export { SiteStateEnum };
