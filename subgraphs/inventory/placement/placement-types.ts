import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { HypervisorHost } from '../hosts/host-types.js';

@ObjectType({ description: "A site's VM, as the inventory knows it: where it runs." })
@Directive('@key(fields: "id")')
export class Vm {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: 'A hosted site, as the inventory knows it: where its VMs run.' })
@Directive('@key(fields: "id")')
export class Site {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: 'Where a VM runs and what it holds there.' })
export class VmPlacement {
  @Field(() => Vm, { description: "Hosting's VM." })
  vm!: Vm;

  @Field(() => String, { description: "The hypervisor host's name." })
  hostName!: string;

  @Field(() => HypervisorHost, { nullable: true, description: 'The host itself (platform admins; null for others).' })
  host!: HypervisorHost | null;

  @Field(() => Int)
  vcpus!: number;

  @Field(() => Int)
  memoryMiB!: number;

  @Field(() => Int)
  diskGiB!: number;

  @Field(() => String, { nullable: true, description: 'running, stopped or suspended, as the last reconciliation saw it.' })
  powerState!: string | null;

  @Field(() => Date, { nullable: true, description: 'When reconciliation last saw the VM on its host.' })
  observedAt!: Date | null;

  @Field(() => Date)
  placedAt!: Date;

  /** For resolvers; not in the schema. */
  hostId!: string;
  siteId!: string;
}
