import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Page } from '../../../core/graphql/connection.js';
import type { HostingContext } from '../hosting-context.js';
import { Task } from '../tasks/task-types.js';
import { toTask } from '../tasks/task-from-view.js';
import { signedIn } from '../../../core/principal.js';
import type { Site as SiteRow } from './site-entity.js';
import { CreateSiteInput, Flavor, Site, SiteConnection, SiteFilter } from './site-types.js';

export function toSite(site: SiteRow, flavors: HostingContext['flavors']): Site {
  const flavor = flavors[site.flavor] ?? { vcpus: 0, memoryMiB: 0, diskGiB: 0 };
  return { ...site, description: site.description ?? null, flavor: { name: site.flavor, ...flavor } };
}

@Resolver(() => Site)
export class SiteResolver {
  @Query(() => Site, { description: 'A site you may manage.' })
  async site(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Site> {
    return toSite(await context.sites.get(signedIn(context.principal), id), context.flavors);
  }

  @Query(() => SiteConnection, { description: 'Sites you may manage, by name.' })
  async sites(
    @Ctx() context: HostingContext,
    @Arg('filter', () => SiteFilter, { nullable: true }) filter?: SiteFilter,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; 20 when omitted.' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Page<Site>> {
    const page = await context.sites.list(signedIn(context.principal), filter ?? {}, first, after);
    return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toSite(edge.node, context.flavors) })) };
  }

  @Query(() => [Flavor], { description: 'The sizes a site can have.' })
  flavors(@Ctx() context: HostingContext): Flavor[] {
    signedIn(context.principal);
    return Object.entries(context.flavors).map(([name, flavor]) => ({ name, ...flavor }));
  }

  @Mutation(() => Task, { description: 'Creates a site and its VM; follow the returned task.' })
  async createSite(@Arg('input', () => CreateSiteInput) input: CreateSiteInput, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.sites.create(signedIn(context.principal), input));
  }

  @Mutation(() => Task)
  async startSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.sites.request(signedIn(context.principal), id, 'startSite'));
  }

  @Mutation(() => Task, { description: 'Shuts the VM down cleanly; powers it off after a timeout, or at once with force.' })
  async stopSite(
    @Arg('id', () => ID) id: string,
    @Ctx() context: HostingContext,
    @Arg('force', () => Boolean, { defaultValue: false }) force: boolean,
  ): Promise<Task> {
    return toTask(await context.sites.request(signedIn(context.principal), id, 'stopSite', { force }));
  }

  @Mutation(() => Task)
  async rebootSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.sites.request(signedIn(context.principal), id, 'rebootSite'));
  }

  @Mutation(() => Task, { description: 'Gives the site another flavor (its disk may only grow); follow the returned task. Drivers that cannot resize fail it with UNSUPPORTED.' })
  async resizeSite(@Arg('id', () => ID) id: string, @Arg('flavor', () => String) flavor: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.sites.resize(signedIn(context.principal), id, flavor));
  }

  @Mutation(() => Task, { description: 'Destroys the VM with its disks and snapshots, then the site.' })
  async deleteSite(@Arg('id', () => ID) id: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.sites.request(signedIn(context.principal), id, 'deleteSite'));
  }
}
