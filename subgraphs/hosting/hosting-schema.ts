import { buildFederatedSchema } from '../../core/graphql/federated-schema.js';
import type { HostingContext } from './hosting-context.js';
import { SiteResolver, toSite } from './sites/site-resolver.js';
import { signedIn } from '../../core/principal.js';
import { TaskResolver } from './tasks/task-resolver.js';
import { toTask } from './tasks/task-from-view.js';
import { VmPowerFollowResolver } from './vms/vm-power-follow-resolver.js';
import { SiteVmsResolver, toVm, VmResolver } from './vms/vm-resolver.js';
import { VmHostResolver } from './vms/vm-host-resolver.js';
import { SiteHistoryResolver } from './history/site-history-resolver.js';
import { SiteConfigurationResolver } from './configuration/site-configuration-resolver.js';
import { SiteVhostsResolver, VhostResolver } from './vhosts/vhost-resolver.js';
import { SiteLifecycleResolver } from './lifecycle/site-lifecycle-resolver.js';
import { SiteSnapshotsResolver, SnapshotResolver } from './snapshots/snapshot-resolver.js';
import { TestCopyResolver } from './test-copy/test-copy-resolver.js';

/** Entities other subgraphs may reference; someone who may not see one gets null, not an error. */
const referenceResolvers = {
  Site: {
    __resolveReference: async (ref: { id: string }, context: HostingContext) =>
      context.sites
        .get(signedIn(context.principal), ref.id)
        .then((site) => toSite(site, context.flavors))
        .catch(() => null),
  },
  Vm: {
    __resolveReference: async (ref: { id: string }, context: HostingContext) =>
      context.sites
        .getVm(signedIn(context.principal), ref.id)
        .then(toVm)
        .catch(() => null),
  },
  Task: {
    __resolveReference: async (ref: { id: string }, context: HostingContext) =>
      context.taskQueries
        .get(signedIn(context.principal), ref.id)
        .then(toTask)
        .catch(() => null),
  },
};

export const buildHostingSchema = () =>
  buildFederatedSchema({
    resolvers: [SiteResolver, SiteVmsResolver, VmResolver, VmPowerFollowResolver, VmHostResolver, SiteHistoryResolver, TaskResolver, SiteVhostsResolver, VhostResolver, SiteConfigurationResolver, SiteLifecycleResolver, SnapshotResolver, SiteSnapshotsResolver, TestCopyResolver],
    referenceResolvers,
  });
