import { Arg, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { badInput, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import { requireService } from '../../../core/principal.js';
import type { PowerState } from '../../../drivers/driver.js';
import type { HostingContext } from '../hosting-context.js';
import { SiteStateEnum } from '../sites/site-types.js';
import type { SiteState } from '../sites/site-state.js';
import { VmRoleEnum } from './vm-types.js';
import type { VmRole } from './vm-entity.js';

const POWER_STATES: PowerState[] = ['running', 'stopped', 'suspended'];

@ObjectType({ description: 'Internal: what hosting believes about a VM, for reconciliation.' })
export class VmBelief {
  @Field(() => ID)
  vmId!: string;

  @Field(() => ID)
  siteId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  ref!: string | null;

  @Field(() => VmRoleEnum)
  role!: VmRole;

  @Field(() => SiteStateEnum)
  siteState!: SiteState;

  @Field(() => String, { nullable: true, description: 'running or stopped, as the site state implies; null when it implies nothing.' })
  expectedPowerState!: string | null;

  @Field(() => Boolean, { description: 'A task of the site is queued or running.' })
  busy!: boolean;
}

@ObjectType({ description: "Internal: whether a site's state now follows what its hypervisor reports." })
export class PowerFollowOutcome {
  @Field(() => ID)
  siteId!: string;

  @Field(() => Boolean)
  changed!: boolean;

  @Field(() => SiteStateEnum)
  state!: SiteState;

  @Field(() => String, { nullable: true, description: 'Why the state was left as it is.' })
  reason!: string | null;
}

/** Reconciliation's way into hosting, which alone sets site states. Hostgraph's own processes only. */
@Resolver()
export class VmPowerFollowResolver {
  @Query(() => [VmBelief], { description: 'Internal: what hosting believes about these VMs (unknown ids are left out).' })
  async vmBeliefs(@Arg('vmIds', () => [ID]) vmIds: string[], @Ctx() context: HostingContext): Promise<VmBelief[]> {
    requireService(context.principal);
    if (vmIds.length > 10_000) throw badInput('Ask for at most 10000 VMs at once', 'vmIds');
    return context.powerFollow.beliefs(vmIds.map((id) => validateId(id, 'vmIds')));
  }

  @Mutation(() => PowerFollowOutcome, { description: "Internal: the hypervisor reports this power state for the VM; the site's state follows unless a task is changing it." })
  async followVmPowerState(
    @Arg('vmId', () => ID) vmId: string,
    @Arg('powerState', () => String) powerState: string,
    @Ctx() context: HostingContext,
  ): Promise<PowerFollowOutcome> {
    requireService(context.principal);
    if (!POWER_STATES.includes(powerState as PowerState)) throw badInput(`powerState is one of ${POWER_STATES.join(', ')}`, 'powerState');
    const outcome = await context.powerFollow.follow(validateId(vmId, 'vmId'), powerState as PowerState);
    if (!outcome) throw notFound('VM', vmId);
    return outcome;
  }
}
