import { Directive, Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A hosted site, as the metrics subgraph knows it: its time series.' })
@Directive('@key(fields: "id")')
export class Site {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: "One of a site's VMs, as the metrics subgraph knows it: its time series." })
@Directive('@key(fields: "id")')
export class Vm {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: 'One step of a series: what the points inside [at, at + step) add up to.' })
export class MetricPoint {
  @Field(() => Date, { description: 'The start of the step; a multiple of the step since the epoch.' })
  at!: Date;

  @Field(() => Float, { description: 'The average of the points in the step.' })
  value!: number;

  @Field(() => Float)
  min!: number;

  @Field(() => Float)
  max!: number;

  @Field(() => Float, { description: 'The latest point in the step.' })
  last!: number;

  @Field(() => Int, { description: 'How many raw points the step holds.' })
  count!: number;
}

@ObjectType({ description: 'A metric of one VM, aligned to the step asked for; steps without data are left out.' })
export class MetricSeries {
  @Field(() => String, { description: 'The Graphite path after the host name, e.g. load.load.shortterm.' })
  name!: string;

  @Field(() => Vm)
  vm!: Vm;

  @Field(() => Int, { description: 'Where the points came from: 0 for raw points, 60 or 3600 for the 1-minute or 1-hour rollups.' })
  resolution!: number;

  @Field(() => [MetricPoint], { description: 'The steps that have data, in time order.' })
  points!: MetricPoint[];

  @Field(() => Date, { description: 'The start of the first step of `values`: `from`, aligned down to the step.' })
  start!: Date;

  @Field(() => Int, { description: 'Seconds per value.' })
  step!: number;

  @Field(() => [Float], {
    nullable: 'items',
    description: 'Every step from `start` to `to`, its average, or null where there is no data: the compact form for charts (one number per step instead of an object).',
  })
  values!: (number | null)[];
}

@ObjectType({ description: 'A point just received from a VM.' })
export class MetricSample {
  @Field(() => Vm)
  vm!: Vm;

  @Field(() => String)
  name!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => Float)
  value!: number;
}

@ObjectType({ description: 'Points a site’s VMs just sent, as one batch was stored.' })
export class MetricUpdate {
  @Field(() => Site)
  site!: Site;

  @Field(() => [MetricSample])
  samples!: MetricSample[];
}
