import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { signedIn } from '../../../core/principal.js';
import type { HostingContext } from '../hosting-context.js';
import { toTask } from '../tasks/task-from-view.js';
import { Task } from '../tasks/task-types.js';

@Resolver()
export class TestCopyResolver {
  @Mutation(() => Task, { description: "Makes the site's test copy: a TEST VM cloned from production, with a name of its own. Production is shut down for the copy and started again." })
  async cloneToTest(
    @Arg('siteId', () => ID) siteId: string,
    @Ctx() context: HostingContext,
    @Arg('fromSnapshot', () => ID, { nullable: true, description: 'A snapshot of production to copy, instead of production as it is now; production is given back as it was.' }) fromSnapshot?: string | null,
  ): Promise<Task> {
    return toTask(await context.testCopies.clone(signedIn(context.principal), siteId, fromSnapshot));
  }

  @Mutation(() => Task, { description: 'The test copy and production swap roles, service names and addresses: the promoted VM answers on the production name.' })
  async switchServices(@Arg('siteId', () => ID) siteId: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.testCopies.switch(signedIn(context.principal), siteId));
  }

  @Mutation(() => Task, { description: 'Destroys the test copy with its disks and snapshots.' })
  async removeTest(@Arg('siteId', () => ID) siteId: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.testCopies.remove(signedIn(context.principal), siteId));
  }
}
