import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { signedIn } from '../../../core/principal.js';
import type { HostingContext } from '../hosting-context.js';
import { Site } from '../sites/site-types.js';
import { toTask } from '../tasks/task-from-view.js';
import { Task } from '../tasks/task-types.js';

@ObjectType({ description: 'A new database root password, shown this once: Hostgraph keeps no copy.' })
export class DatabaseRootPasswordChange {
  @Field(() => String, { description: 'Store it now; it is set on the VM when the task succeeds.' })
  password!: string;

  @Field(() => Task)
  task!: Task;
}

@Resolver(() => Site)
export class SiteConfigurationResolver {
  @FieldResolver(() => [String], { description: 'The approved packages the site asked for.' })
  async packages(@Root() site: Site, @Ctx() context: HostingContext): Promise<string[]> {
    return context.configuration.packagesOf(site.id);
  }

  @FieldResolver(() => Boolean, { description: 'A configuration run waits for its turn: changes made now join it.' })
  async configurationQueued(@Root() site: Site, @Ctx() context: HostingContext): Promise<boolean> {
    return (await context.configuration.queued([site.id])).has(site.id);
  }

  @Query(() => [String], { description: 'The packages approved for sites (configuration); only these can be installed.' })
  approvedPackages(@Ctx() context: HostingContext): string[] {
    signedIn(context.principal);
    return [...context.approvedPackages];
  }

  @Mutation(() => Task, { description: 'Installs approved packages on the site’s VM; any other name is refused with BAD_USER_INPUT.' })
  async installPackages(@Arg('siteId', () => ID) siteId: string, @Arg('packages', () => [String]) packages: string[], @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.configuration.setPackages(signedIn(context.principal), siteId, packages, true));
  }

  @Mutation(() => Task, { description: 'Removes approved packages from the site’s VM.' })
  async removePackages(@Arg('siteId', () => ID) siteId: string, @Arg('packages', () => [String]) packages: string[], @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.configuration.setPackages(signedIn(context.principal), siteId, packages, false));
  }

  @Mutation(() => Task, { description: 'Re-applies the site’s whole configuration to its VM; joins a run that is already waiting.' })
  async resyncSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.configuration.resync(signedIn(context.principal), id));
  }

  @Mutation(() => DatabaseRootPasswordChange, { description: 'Generates a new database root password, returns it once, and sets it on the VM.' })
  async changeDatabaseRootPassword(@Arg('siteId', () => ID) siteId: string, @Ctx() context: HostingContext): Promise<DatabaseRootPasswordChange> {
    const { password, task } = await context.configuration.changeDatabaseRootPassword(signedIn(context.principal), siteId);
    return { password, task: toTask(task) };
  }
}
