import { Arg, Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { badInput } from '../../../core/errors.js';
import { requireService } from '../../../core/principal.js';
import type { HostingContext } from '../hosting-context.js';

@ObjectType({ description: 'Internal: which VM and site a host name belongs to.' })
export class VmHost {
  @Field(() => String, { description: 'The host name asked about.' })
  hostName!: string;

  @Field(() => ID)
  vmId!: string;

  @Field(() => ID)
  siteId!: string;
}

const MAX_NAMES = 500;

/**
 * Metrics senders name themselves by host name. For now a VM's host name is its name on the
 * hypervisor (DNS host names from ipreg can join later behind the metrics side's lookup).
 */
@Resolver()
export class VmHostResolver {
  @Query(() => [VmHost], { description: 'Internal: the VMs with these host names; unknown names are left out (Hostgraph only).' })
  async vmsByHostName(@Arg('hostNames', () => [String]) hostNames: string[], @Ctx() context: HostingContext): Promise<VmHost[]> {
    requireService(context.principal);
    if (hostNames.length > MAX_NAMES) throw badInput(`Ask for at most ${MAX_NAMES} host names at once`, 'hostNames');
    return context.vmHosts.byHostName(hostNames);
  }
}
