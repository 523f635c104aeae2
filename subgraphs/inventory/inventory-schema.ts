import { buildFederatedSchema } from '../../core/graphql/federated-schema.js';
import { signedIn } from '../../core/principal.js';
import { HostResolver } from './hosts/host-resolver.js';
import { toHost } from './hosts/host-view.js';
import type { InventoryContext } from './inventory-context.js';
import { PlacementResolver, SitePlacementResolver, VmPlacementResolver } from './placement/placement-resolver.js';
import { ReconciliationResolver } from './reconciliation/reconciliation-resolver.js';

/** Entities other subgraphs may reference; hosting owns VMs and sites, so their references are all it needs. */
const referenceResolvers = {
  Vm: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  Site: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  HypervisorHost: {
    __resolveReference: async (ref: { id: string }, context: InventoryContext) => {
      if (!signedIn(context.principal).admin) return null;
      const [host] = await context.hosts.findByIds([ref.id]);
      return host ? toHost(host, context.hosts.overcommit) : null;
    },
  },
};

export const buildInventorySchema = () =>
  buildFederatedSchema({
    resolvers: [HostResolver, PlacementResolver, VmPlacementResolver, SitePlacementResolver, ReconciliationResolver],
    referenceResolvers,
  });
