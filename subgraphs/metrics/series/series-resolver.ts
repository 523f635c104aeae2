import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { channelIterator } from '../../../core/bus/channel-iterator.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import { signedIn } from '../../../core/principal.js';
import type { MetricsContext } from '../metrics-context.js';
import { metricUpdatesChannel, type MetricUpdate as MetricUpdateMessage } from './metric-updates.js';
import type { AlignedSeries } from './series-query.js';
import { MetricSeries, MetricUpdate, Site, Vm } from './series-types.js';

function toSeries(series: AlignedSeries, step: number): MetricSeries {
  const values: (number | null)[] = new Array(series.steps).fill(null);
  for (const point of series.points) values[Math.round((point.at - series.start) / (step * 1000))] = point.avg;
  return {
    name: series.name,
    vm: { id: series.vmId },
    resolution: series.resolution,
    points: series.points.map((point) => ({ ...point, at: new Date(point.at), value: point.avg })),
    start: new Date(series.start),
    step,
    values,
  };
}

const RANGE_DOC = 'Series of these metrics in [from, to), one point per `step` seconds; raw points or rollups, whichever fits the range and step.';

@Resolver(() => Site)
export class SiteMetricsResolver {
  @FieldResolver(() => [MetricSeries], { description: `${RANGE_DOC} One series per VM and metric.` })
  async metrics(
    @Root() site: Site,
    @Arg('names', () => [String]) names: string[],
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Arg('step', () => Int, { description: 'Seconds.' }) step: number,
    @Ctx() context: MetricsContext,
  ): Promise<MetricSeries[]> {
    await context.visibility.assert(site.id);
    return (await context.series.read({ siteId: site.id, names, from: from.getTime(), to: to.getTime(), step })).map((series) => toSeries(series, step));
  }

  @FieldResolver(() => [String], { description: 'The metrics its VMs have sent, by name.' })
  async metricNames(@Root() site: Site, @Ctx() context: MetricsContext): Promise<string[]> {
    await context.visibility.assert(site.id);
    return context.catalog.namesOfSite(site.id);
  }
}

@Resolver(() => Vm)
export class VmMetricsResolver {
  @FieldResolver(() => [MetricSeries], { description: RANGE_DOC })
  async metrics(
    @Root() vm: Vm,
    @Arg('names', () => [String]) names: string[],
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Arg('step', () => Int, { description: 'Seconds.' }) step: number,
    @Ctx() context: MetricsContext,
  ): Promise<MetricSeries[]> {
    signedIn(context.principal);
    const siteId = await context.catalog.siteOfVm(vm.id);
    // A VM that never sent anything has no series to show, whoever asks.
    if (!siteId) return [];
    await context.visibility.assert(siteId);
    return (await context.series.read({ siteId, vmId: vm.id, names, from: from.getTime(), to: to.getTime(), step })).map((series) => toSeries(series, step));
  }
}

@Resolver()
export class MetricQueriesResolver {
  @Query(() => [String], { description: 'The metrics the VMs of a site have sent, by name.' })
  async metricNames(@Arg('siteId', () => ID) siteId: string, @Ctx() context: MetricsContext): Promise<string[]> {
    const id = validateId(siteId, 'siteId');
    await context.visibility.assert(id);
    return context.catalog.namesOfSite(id);
  }

  @Subscription(() => MetricUpdate, {
    description: 'Points the VMs of a site send, as they are stored (only these metrics, when names are given). Live only: read `metrics` for what came before.',
    subscribe: async ({ args, context }) => {
      const ctx = context as MetricsContext;
      const siteId = validateId(args.siteId as string, 'siteId');
      await ctx.visibility.assert(siteId);
      const names = args.names ? new Set(args.names as string[]) : null;
      return channelIterator<MetricUpdateMessage>(ctx.bus, metricUpdatesChannel(siteId), (update) => !names || update.points.some((point) => names.has(point.name)));
    },
  })
  metricUpdates(
    @Root() update: MetricUpdateMessage,
    @Arg('siteId', () => ID) _siteId: string,
    @Arg('names', () => [String], { nullable: true }) names?: string[],
  ): MetricUpdate {
    const wanted = names ? new Set(names) : null;
    return {
      site: { id: update.siteId },
      samples: update.points
        .filter((point) => !wanted || wanted.has(point.name))
        .map((point) => ({ vm: { id: point.vmId }, name: point.name, at: new Date(point.at), value: point.value })),
    };
  }
}
