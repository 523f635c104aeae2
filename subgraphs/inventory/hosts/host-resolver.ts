import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requirePlatformAdmin } from '../../../core/principal.js';
import type { InventoryContext } from '../inventory-context.js';
import { toPlacement } from '../placement/placement-view.js';
import { VmPlacement } from '../placement/placement-types.js';
import { AddHypervisorHostInput, HypervisorHost } from './host-types.js';
import { toHost } from './host-view.js';

/** Hosts are for platform admins (and Hostgraph itself): their URIs say how the platform is built. */
@Resolver(() => HypervisorHost)
export class HostResolver {
  @Query(() => [HypervisorHost], { description: 'Every hypervisor host, by name (platform admins).' })
  async hypervisorHosts(@Ctx() context: InventoryContext): Promise<HypervisorHost[]> {
    requirePlatformAdmin(context.principal, 'list hypervisor hosts');
    return (await context.hosts.list()).map((row) => toHost(row, context.hosts.overcommit));
  }

  @Query(() => HypervisorHost, { description: 'One hypervisor host (platform admins).' })
  async hypervisorHost(@Arg('id', () => ID) id: string, @Ctx() context: InventoryContext): Promise<HypervisorHost> {
    requirePlatformAdmin(context.principal, 'see hypervisor hosts');
    return toHost(await context.hosts.get(id), context.hosts.overcommit);
  }

  @Mutation(() => HypervisorHost, { description: 'Registers a hypervisor host, ENABLED; checked first, nothing is stored when refused (platform admins).' })
  async addHypervisorHost(@Arg('input', () => AddHypervisorHostInput) input: AddHypervisorHostInput, @Ctx() context: InventoryContext): Promise<HypervisorHost> {
    requirePlatformAdmin(context.principal, 'add hypervisor hosts');
    return toHost(await context.hosts.add(input), context.hosts.overcommit);
  }

  @Mutation(() => HypervisorHost, { description: 'Stops placing VMs on the host, so its VMs can move away before removal (platform admins).' })
  async drainHypervisorHost(@Arg('id', () => ID) id: string, @Ctx() context: InventoryContext): Promise<HypervisorHost> {
    requirePlatformAdmin(context.principal, 'drain hypervisor hosts');
    return toHost(await context.hosts.setState(id, 'DRAINING'), context.hosts.overcommit);
  }

  @Mutation(() => HypervisorHost, { description: 'Takes the host out of service: no new VMs (platform admins).' })
  async disableHypervisorHost(@Arg('id', () => ID) id: string, @Ctx() context: InventoryContext): Promise<HypervisorHost> {
    requirePlatformAdmin(context.principal, 'disable hypervisor hosts');
    return toHost(await context.hosts.setState(id, 'DISABLED'), context.hosts.overcommit);
  }

  @Mutation(() => HypervisorHost, { description: 'Lets placement use a draining or disabled host again (platform admins).' })
  async enableHypervisorHost(@Arg('id', () => ID) id: string, @Ctx() context: InventoryContext): Promise<HypervisorHost> {
    requirePlatformAdmin(context.principal, 'enable hypervisor hosts');
    return toHost(await context.hosts.setState(id, 'ENABLED'), context.hosts.overcommit);
  }

  @Mutation(() => HypervisorHost, { description: 'Forgets a host that holds no VM; refused with CONFLICT while it has any (platform admins).' })
  async removeHypervisorHost(@Arg('id', () => ID) id: string, @Ctx() context: InventoryContext): Promise<HypervisorHost> {
    requirePlatformAdmin(context.principal, 'remove hypervisor hosts');
    return toHost(await context.hosts.remove(id), context.hosts.overcommit);
  }

  @FieldResolver(() => [VmPlacement], { description: 'The VMs placed on the host.' })
  async vms(@Root() host: HypervisorHost, @Ctx() context: InventoryContext): Promise<VmPlacement[]> {
    requirePlatformAdmin(context.principal, 'see which VMs a host runs');
    return (await context.placements.ofHost(host.id)).map((row) => toPlacement(row, host.name));
  }
}
