import { Arg, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { channelIterator } from '../../../core/bus/channel-iterator.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import { requirePlatformAdmin } from '../../../core/principal.js';
import type { InventoryContext } from '../inventory-context.js';
import type { DiscrepancyKind } from './discrepancy-entity.js';
import { HOST_RECONCILED_CHANNEL, type DiscrepancyReport, type HostReport } from './reconciliation-channels.js';
import { Discrepancy, DiscrepancyKindEnum, HostReconciliation, ReconciliationResult } from './reconciliation-types.js';

const toDiscrepancy = (report: DiscrepancyReport): Discrepancy => ({
  ...report,
  vm: report.vmId ? { id: report.vmId } : null,
  site: report.siteId ? { id: report.siteId } : null,
  firstSeenAt: new Date(report.firstSeenAt),
  lastSeenAt: new Date(report.lastSeenAt),
});

const toHostReconciliation = (report: HostReport): HostReconciliation => ({
  ...report,
  reconciledAt: new Date(report.reconciledAt),
  discrepancies: report.discrepancies.map(toDiscrepancy),
});

/** What the hypervisors say against what Hostgraph knows (platform admins). */
@Resolver()
export class ReconciliationResolver {
  @Query(() => [Discrepancy], { description: 'What the last reconciliation of each host found (platform admins).' })
  async inventoryDiscrepancies(
    @Ctx() context: InventoryContext,
    @Arg('hostId', () => ID, { nullable: true }) hostId?: string,
    @Arg('kind', () => DiscrepancyKindEnum, { nullable: true }) kind?: DiscrepancyKind,
  ): Promise<Discrepancy[]> {
    requirePlatformAdmin(context.principal, 'see reconciliation findings');
    return (await context.discrepancies.list({ hostId: hostId ? validateId(hostId, 'hostId') : undefined, kind })).map(toDiscrepancy);
  }

  @Mutation(() => ReconciliationResult, { description: 'Has a worker reconcile every host (or one) now, and waits for its findings (platform admins).' })
  async reconcile(@Ctx() context: InventoryContext, @Arg('hostId', () => ID, { nullable: true }) hostId?: string): Promise<ReconciliationResult> {
    requirePlatformAdmin(context.principal, 'reconcile the inventory');
    const host = hostId ? await context.hosts.get(hostId) : null;
    const { requestId, report } = await context.reconciliation.request(host ? [host.id] : undefined);
    if (!report) return { requestId, completed: false, error: 'No worker answered in time; is a worker running?', hosts: [] };
    return { requestId, completed: true, error: report.error, hosts: report.hosts.map(toHostReconciliation) };
  }

  @Subscription(() => HostReconciliation, {
    description: 'Each host’s findings as reconciliations happen (platform admins). Live only; `inventoryDiscrepancies` has the latest.',
    subscribe: async ({ context }) => {
      const ctx = context as InventoryContext;
      requirePlatformAdmin(ctx.principal, 'follow reconciliation');
      return channelIterator<HostReport>(ctx.bus, HOST_RECONCILED_CHANNEL);
    },
  })
  hostReconciled(@Root() report: HostReport): HostReconciliation {
    return toHostReconciliation(report);
  }
}
