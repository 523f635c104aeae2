import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { channelIterator } from '../../../core/bus/channel-iterator.js';
import { badInput } from '../../../core/errors.js';
import type { Page } from '../../../core/graphql/connection.js';
import { streamTaskEvents } from '../../../core/tasks/task-event-stream.js';
import { TASK_UPDATES_CHANNEL, type TaskEventView, type TaskView } from '../../../core/tasks/task-view.js';
import type { HostingContext } from '../hosting-context.js';
import { requireScope, signedIn } from '../../../core/principal.js';
import { toSite } from '../sites/site-resolver.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import { Site } from '../sites/site-types.js';
import { toTask, toTaskEvent } from './task-from-view.js';
import { Task, TaskConnection, TaskEvent, TaskFilter } from './task-types.js';

function validateAfter(after: number): number {
  if (!Number.isInteger(after) || after < 0) throw badInput(`after must be a sequence number ≥ 0; got ${after}`, 'after');
  return after;
}

@Resolver(() => Task)
export class TaskResolver {
  @Query(() => Task)
  async task(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.taskQueries.get(signedIn(context.principal), id));
  }

  @Query(() => TaskConnection, { description: 'Tasks you may see, newest first.' })
  async tasks(
    @Ctx() context: HostingContext,
    @Arg('filter', () => TaskFilter, { nullable: true }) filter?: TaskFilter,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; 20 when omitted.' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Page<Task>> {
    const page = await context.taskQueries.list(signedIn(context.principal), filter ?? {}, first, after);
    return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toTask(edge.node) })) };
  }

  @Query(() => [TaskEvent], { description: 'Stored events of a task with seq above `after`, in order.' })
  async taskEvents(
    @Arg('taskId', () => ID) taskId: string,
    @Ctx() context: HostingContext,
    @Arg('after', () => Int, { defaultValue: 0 }) after: number,
  ): Promise<TaskEvent[]> {
    const task = await context.taskQueries.get(signedIn(context.principal), taskId);
    const events = await context.taskQueries.store.events(task.id, task.subjectId, validateAfter(after));
    return events.map(toTaskEvent);
  }

  @Mutation(() => Task, { description: 'A queued task is cancelled at once; a running one undoes what it did.' })
  async cancelTask(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    const principal = signedIn(context.principal);
    const task = await context.taskQueries.getToCancel(principal, id);
    return toTask(await context.tasks.cancel(task.id, principal));
  }

  @Subscription(() => TaskEvent, {
    name: 'taskEvents',
    description:
      'Events of a task with seq above `after` (stored ones first, then live), in order, with no gap and no duplicate; completes after the final event. Reconnect with the last seq you saw.',
    subscribe: async ({ args, context }) => {
      const ctx = context as HostingContext;
      const task = await ctx.taskQueries.get(signedIn(ctx.principal), args.taskId as string);
      return streamTaskEvents({
        taskId: task.id,
        after: validateAfter(args.after as number),
        bus: ctx.bus,
        load: (after) => ctx.taskQueries.store.events(task.id, task.subjectId, after),
      });
    },
  })
  taskEvents_subscription(
    @Root() event: TaskEventView,
    @Arg('taskId', () => ID) _taskId: string,
    @Arg('after', () => Int, { defaultValue: 0 }) _after: number,
  ): TaskEvent {
    return toTaskEvent(event);
  }

  @Subscription(() => Task, {
    description: "Every change of the tasks of a site (of every site, for platform admins who omit siteId). Live only; read `tasks` for what came before.",
    subscribe: async ({ args, context }) => {
      const ctx = context as HostingContext;
      const principal = requireScope(signedIn(ctx.principal), 'tasks:read');
      const siteId = args.siteId ? validateId(args.siteId as string, 'siteId') : null;
      if (siteId) await ctx.sites.get(principal, siteId);
      else if (!principal.admin) throw badInput('siteId is required: only platform admins may follow every site', 'siteId');
      return channelIterator<TaskView>(ctx.bus, TASK_UPDATES_CHANNEL, (task) => !siteId || task.subjectId === siteId);
    },
  })
  taskUpdated(@Root() task: TaskView, @Arg('siteId', () => ID, { nullable: true }) _siteId?: string): Task {
    return toTask(task);
  }

  @FieldResolver(() => Site, { nullable: true, description: 'Null once the site has been deleted.' })
  async site(@Root() task: Task, @Ctx() context: HostingContext): Promise<Site | null> {
    const principal = signedIn(context.principal);
    const site = await context.sites.get(principal, task.siteId).catch(() => null);
    return site ? toSite(site, context.flavors) : null;
  }
}
