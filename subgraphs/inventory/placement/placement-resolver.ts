import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requirePlatformAdmin, requireService, signedIn } from '../../../core/principal.js';
import { HypervisorHost } from '../hosts/host-types.js';
import { toHost } from '../hosts/host-view.js';
import type { InventoryContext } from '../inventory-context.js';
import type { VmPlacement as PlacementRow } from './placement-entity.js';
import { Site, Vm, VmPlacement } from './placement-types.js';
import { toPlacement } from './placement-view.js';

@InputType({ description: 'Internal: a VM to place, with what it needs.' })
export class PlaceVmInput {
  @Field(() => ID)
  vmId!: string;

  @Field(() => ID)
  siteId!: string;

  @Field(() => String)
  vmName!: string;

  @Field(() => Int)
  vcpus!: number;

  @Field(() => Int)
  memoryMiB!: number;

  @Field(() => Int)
  diskGiB!: number;

  @Field(() => String, { nullable: true, description: 'Only hosts with this driver.' })
  driver?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only the host this VM is placed on (a clone lives where its source does).' })
  nextToVmId?: string | null;
}

async function withHostNames(rows: PlacementRow[], context: InventoryContext): Promise<VmPlacement[]> {
  const hosts = new Map((await context.hosts.findByIds([...new Set(rows.map((row) => row.hostId))])).map((host) => [host.id, host.name]));
  return rows.map((row) => toPlacement(row, hosts.get(row.hostId) ?? 'unknown'));
}

/** Placement: asked for by the worker's `place` step, shown on hosting's VMs and sites. */
@Resolver(() => VmPlacement)
export class PlacementResolver {
  @Mutation(() => VmPlacement, { description: 'Internal: picks a host for the VM and holds its resources there (NO_CAPACITY when none has room); a placed VM keeps its placement.' })
  async placeVm(@Arg('input', () => PlaceVmInput) input: PlaceVmInput, @Ctx() context: InventoryContext): Promise<VmPlacement> {
    requireService(context.principal);
    const { placement, host } = await context.placements.place(input);
    return toPlacement(placement, host.name);
  }

  @Mutation(() => VmPlacement, { description: 'Internal: holds a resized VM’s new size on its host (NO_CAPACITY when it no longer fits there).' })
  async resizeVmPlacement(
    @Arg('vmId', () => ID) vmId: string,
    @Arg('vcpus', () => Int) vcpus: number,
    @Arg('memoryMiB', () => Int) memoryMiB: number,
    @Arg('diskGiB', () => Int) diskGiB: number,
    @Ctx() context: InventoryContext,
  ): Promise<VmPlacement> {
    requireService(context.principal);
    const { placement, host } = await context.placements.resize(vmId, { vcpus, memoryMiB, diskGiB });
    return toPlacement(placement, host.name);
  }

  @Mutation(() => Boolean, { description: 'Internal: gives the VM’s resources back to its host; false when it was not placed.' })
  async releaseVm(@Arg('vmId', () => ID) vmId: string, @Ctx() context: InventoryContext): Promise<boolean> {
    requireService(context.principal);
    return context.placements.release(vmId);
  }

  @Query(() => VmPlacement, { nullable: true, description: 'Where a VM runs (Hostgraph and platform admins).' })
  async vmPlacement(@Arg('vmId', () => ID) vmId: string, @Ctx() context: InventoryContext): Promise<VmPlacement | null> {
    requirePlatformAdmin(context.principal, 'look up placements by VM id');
    const row = await context.placements.get(vmId);
    return row ? (await withHostNames([row], context))[0]! : null;
  }

  @FieldResolver(() => HypervisorHost, { nullable: true })
  async host(@Root() placement: VmPlacement, @Ctx() context: InventoryContext): Promise<HypervisorHost | null> {
    if (!signedIn(context.principal).admin) return null;
    const [host] = await context.hosts.findByIds([placement.hostId]);
    return host ? toHost(host, context.hosts.overcommit) : null;
  }
}

/** Hosting's VMs, extended with where they run. Reached through a VM the caller may see. */
@Resolver(() => Vm)
export class VmPlacementResolver {
  @FieldResolver(() => VmPlacement, { nullable: true, description: 'The host the VM runs on; null before it is placed.' })
  async placement(@Root() vm: Vm, @Ctx() context: InventoryContext): Promise<VmPlacement | null> {
    signedIn(context.principal);
    const row = await context.placements.get(vm.id);
    return row ? (await withHostNames([row], context))[0]! : null;
  }
}

/** Hosting's sites, extended with where their VMs run. */
@Resolver(() => Site)
export class SitePlacementResolver {
  @FieldResolver(() => [VmPlacement], { description: "Where the site's VMs run." })
  async placements(@Root() site: Site, @Ctx() context: InventoryContext): Promise<VmPlacement[]> {
    signedIn(context.principal);
    return withHostNames(await context.placements.ofSites([site.id]), context);
  }
}
