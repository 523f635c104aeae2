import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { HOST_STATES, type HostState } from './host-entity.js';

export const HostStateEnum = Object.fromEntries(HOST_STATES.map((state) => [state, state])) as Record<HostState, HostState>;
registerEnumType(HostStateEnum, {
  name: 'HypervisorHostState',
  valuesConfig: {
    ENABLED: { description: 'Takes new VMs.' },
    DRAINING: { description: 'Takes no new VMs; its VMs are to move away before it is removed.' },
    DISABLED: { description: 'Out of service (maintenance): takes no new VMs.' },
  },
});

@ObjectType({ description: 'vCPUs, RAM and disk.' })
export class HostResources {
  @Field(() => Int)
  vcpus!: number;

  @Field(() => Int)
  memoryMiB!: number;

  @Field(() => Int)
  diskGiB!: number;
}

@InputType({ description: 'vCPUs, RAM and disk; each a whole number above 0.' })
export class HostResourcesInput {
  @Field(() => Int)
  vcpus!: number;

  @Field(() => Int)
  memoryMiB!: number;

  @Field(() => Int)
  diskGiB!: number;
}

@ObjectType({ description: 'A hypervisor that runs site VMs (platform admins).' })
@Directive('@key(fields: "id")')
export class HypervisorHost {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Unique; lower-case letters, digits and hyphens.' })
  name!: string;

  @Field(() => String, { description: 'sim, kvm, vmware or xen.' })
  driver!: string;

  @Field(() => String, { description: 'How the worker connects, e.g. qemu+ssh://root@kvm1/system?…; never holds a secret.' })
  uri!: string;

  @Field(() => String, { nullable: true, description: 'Where the worker finds the secret (secret:NAME or file:/path); the secret itself is never in the API.' })
  credentialRef!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the host is: a room, a rack, a cluster.' })
  location!: string | null;

  @Field(() => HostStateEnum)
  state!: HostState;

  @Field(() => HostResources, { description: 'What the host has.' })
  capacity!: HostResources;

  @Field(() => HostResources, { description: 'What placement has handed out to VMs.' })
  allocated!: HostResources;

  @Field(() => HostResources, { description: 'What placement may still hand out: capacity times the overcommit ratios, less the allocation.' })
  available!: HostResources;

  @Field(() => Boolean, { nullable: true, description: 'Whether the last reconciliation reached it; null before the first.' })
  reachable!: boolean | null;

  @Field(() => Date, { nullable: true })
  lastReconciledAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last reconciliation could not reach it.' })
  lastReconcileError!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType()
export class AddHypervisorHostInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'sim, kvm, vmware or xen.' })
  driver!: string;

  @Field(() => String, { description: 'kvm: qemu+ssh://USER@HOST/system?storageDir=…&baseImage=…; vmware: vmware://USER@VCENTER/sdk?datacenter=…; xen: xen+https://USER@HOST/?template=…; sim: sim:///NAME.' })
  uri!: string;

  @Field(() => String, { nullable: true, description: 'secret:NAME or file:/path, naming the SSH key (kvm) or password (vmware, xen); sim takes none.' })
  credentialRef?: string | null;

  @Field(() => String, { nullable: true })
  location?: string | null;

  @Field(() => HostResourcesInput)
  capacity!: HostResourcesInput;
}
