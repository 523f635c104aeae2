import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { signedIn } from '../../../core/principal.js';
import type { HostingContext } from '../hosting-context.js';
import { Site } from '../sites/site-types.js';
import { toTask } from '../tasks/task-from-view.js';
import { Task } from '../tasks/task-types.js';
import { toVm } from '../vms/vm-resolver.js';
import { Vm } from '../vms/vm-types.js';
import { Snapshot } from './snapshot-types.js';

@Resolver(() => Snapshot)
export class SnapshotResolver {
  @Mutation(() => Task, { description: "Takes a snapshot of the site's production VM; without a name it is named after the time. Counts against the owner's snapshot quota." })
  async createSnapshot(
    @Arg('siteId', () => ID) siteId: string,
    @Ctx() context: HostingContext,
    @Arg('name', () => String, { nullable: true, description: '1–64 letters, digits, ".", "_" or "-"; unique within the site.' }) name?: string | null,
  ): Promise<Task> {
    return toTask(await context.snapshots.create(signedIn(context.principal), siteId, name));
  }

  @Mutation(() => Task, { description: 'Takes the VM back to the snapshot, disks and power state; a disabled, quarantined or suspended site stays switched off.' })
  async restoreSnapshot(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.snapshots.restore(signedIn(context.principal), id));
  }

  @Mutation(() => Task)
  async deleteSnapshot(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.snapshots.delete(signedIn(context.principal), id));
  }

  @FieldResolver(() => Vm, { nullable: true, description: 'The VM it is a snapshot of (after switchServices, possibly the test copy).' })
  async vm(@Root() snapshot: Snapshot, @Ctx() context: HostingContext): Promise<Vm | null> {
    const vm = (await context.vmsOfSite.load(snapshot.siteId)).find((candidate) => candidate.id === snapshot.vmId);
    return vm ? toVm(vm) : null;
  }
}

@Resolver(() => Site)
export class SiteSnapshotsResolver {
  @FieldResolver(() => [Snapshot], { description: 'Newest first, manual and nightly.' })
  async snapshots(@Root() site: Site, @Ctx() context: HostingContext): Promise<Snapshot[]> {
    return context.snapshots.ofSite(site.id);
  }
}
