import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Site, Vm } from '../placement/placement-types.js';
import { DISCREPANCY_KINDS, type DiscrepancyKind } from './discrepancy-entity.js';

export const DiscrepancyKindEnum = Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, kind])) as Record<DiscrepancyKind, DiscrepancyKind>;
registerEnumType(DiscrepancyKindEnum, {
  name: 'DiscrepancyKind',
  valuesConfig: {
    UNKNOWN_VM: { description: 'The hypervisor has a VM that Hostgraph did not place there.' },
    MISSING_VM: { description: 'Hostgraph made a VM on the host that the hypervisor no longer lists.' },
    POWER_STATE_DRIFT: { description: "The VM's power differs from what its site's state says." },
  },
});

@ObjectType({ description: 'A difference between a hypervisor and Hostgraph, found by reconciliation. Nothing is destroyed because of one.' })
export class Discrepancy {
  @Field(() => ID)
  id!: string;

  @Field(() => DiscrepancyKindEnum)
  kind!: DiscrepancyKind;

  @Field(() => ID)
  hostId!: string;

  @Field(() => String)
  hostName!: string;

  @Field(() => String)
  vmName!: string;

  @Field(() => String, { nullable: true, description: "The hypervisor's reference, when known." })
  vmRef!: string | null;

  @Field(() => Vm, { nullable: true, description: "Hosting's VM, when Hostgraph knows it." })
  vm!: Vm | null;

  @Field(() => Site, { nullable: true })
  site!: Site | null;

  @Field(() => String, { nullable: true, description: 'The power state Hostgraph expected.' })
  expected!: string | null;

  @Field(() => String, { nullable: true, description: 'The power state the hypervisor reports.' })
  observed!: string | null;

  @Field(() => Boolean, { description: "Power-state drift: the site's state now follows the hypervisor." })
  corrected!: boolean;

  @Field(() => String)
  message!: string;

  @Field(() => Date)
  firstSeenAt!: Date;

  @Field(() => Date)
  lastSeenAt!: Date;
}

@ObjectType({ description: 'What reconciling one host found.' })
export class HostReconciliation {
  @Field(() => ID)
  hostId!: string;

  @Field(() => String)
  hostName!: string;

  @Field(() => Boolean, { description: 'False: the host could not be asked; its earlier findings are shown.' })
  reachable!: boolean;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Date)
  reconciledAt!: Date;

  @Field(() => [Discrepancy])
  discrepancies!: Discrepancy[];
}

@ObjectType({ description: 'The answer to `reconcile`.' })
export class ReconciliationResult {
  @Field(() => ID)
  requestId!: string;

  @Field(() => Boolean, { description: 'False: no worker answered in time (none running?); the next scheduled run will still happen.' })
  completed!: boolean;

  @Field(() => String, { nullable: true, description: 'Why the run could not compare, or why there is no answer.' })
  error!: string | null;

  @Field(() => [HostReconciliation])
  hosts!: HostReconciliation[];
}
