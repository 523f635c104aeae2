import { buildFederatedSchema } from '../../core/graphql/federated-schema.js';
import { MetricQueriesResolver, SiteMetricsResolver, VmMetricsResolver } from './series/series-resolver.js';
import { UsageResolver } from './usage/usage-resolver.js';

/** Hosting owns sites and VMs; metrics only adds their series, so the reference is all it needs. */
const referenceResolvers = {
  Site: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  Vm: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
};

export const buildMetricsSchema = () =>
  buildFederatedSchema({ resolvers: [SiteMetricsResolver, VmMetricsResolver, MetricQueriesResolver, UsageResolver], referenceResolvers });
