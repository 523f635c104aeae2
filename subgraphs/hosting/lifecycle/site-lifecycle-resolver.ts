import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { signedIn } from '../../../core/principal.js';
import type { HostingContext } from '../hosting-context.js';
import type { Site as SiteRow } from '../sites/site-entity.js';
import { Site } from '../sites/site-types.js';
import { toTask } from '../tasks/task-from-view.js';
import { Task } from '../tasks/task-types.js';

@ObjectType({ description: 'Why and by whom a site was suspended; only platform admins lift it.' })
export class SiteSuspension {
  @Field(() => String)
  reason!: string;

  @Field(() => String)
  suspendedBy!: string;

  @Field(() => Date)
  suspendedAt!: Date;
}

/** What toSite carries of the row besides the schema's fields. */
type SiteWithLifecycle = Site & Partial<Pick<SiteRow, 'suspendedReason' | 'suspendedBy' | 'suspendedAt' | 'cancelledAt'>>;

@Resolver(() => Site)
export class SiteLifecycleResolver {
  @Mutation(() => Task, { description: 'Pulls the plug and powers the VM on again, for a guest that no longer answers a reboot.' })
  async resetSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.operations.submit(signedIn(context.principal), id, 'resetSite'));
  }

  @Mutation(() => Task, { description: 'Switches the site off and keeps it (DISABLED) until enableSite; it cannot be started meanwhile.' })
  async disableSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.operations.submit(signedIn(context.principal), id, 'disableSite'));
  }

  @Mutation(() => Task)
  async enableSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.operations.submit(signedIn(context.principal), id, 'enableSite'));
  }

  @Mutation(() => Task, { description: 'For a compromised site: web and mail stop (QUARANTINED) until unquarantineSite.' })
  async quarantineSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.operations.submit(signedIn(context.principal), id, 'quarantineSite'));
  }

  @Mutation(() => Task)
  async unquarantineSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.operations.submit(signedIn(context.principal), id, 'unquarantineSite'));
  }

  @Mutation(() => Task, { description: "Platform admins: switches the site off (DISABLED) with a reason its admins see; they can do nothing with it until unsuspendSite." })
  async suspendSite(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.operations.suspend(signedIn(context.principal), id, reason));
  }

  @Mutation(() => Task, { description: 'Platform admins: lifts the suspension and starts the site again.' })
  async unsuspendSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.operations.unsuspend(signedIn(context.principal), id));
  }

  @Mutation(() => Task, { description: 'Powers the site off now (CANCELLED); it is destroyed with its VMs, addresses and records once the retention period is over (`destroyAfter`).' })
  async cancelSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.operations.submit(signedIn(context.principal), id, 'cancelSite'));
  }

  @FieldResolver(() => SiteSuspension, { nullable: true, description: 'Set while platform admins keep the site suspended.' })
  suspension(@Root() site: SiteWithLifecycle): SiteSuspension | null {
    return site.suspendedAt ? { reason: site.suspendedReason ?? '', suspendedBy: site.suspendedBy ?? '', suspendedAt: site.suspendedAt } : null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the site was cancelled.' })
  cancelledAt(@Root() site: SiteWithLifecycle): Date | null {
    return site.cancelledAt ?? null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When a cancelled site is destroyed (or soon after: the sweep runs on a schedule).' })
  destroyAfter(@Root() site: SiteWithLifecycle, @Ctx() context: HostingContext): Date | null {
    return site.cancelledAt ? context.operations.destroyAfter(site.cancelledAt) : null;
  }
}
