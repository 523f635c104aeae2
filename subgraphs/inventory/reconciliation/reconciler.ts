import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { Bus } from '../../../core/bus/bus.js';
import { HostgraphError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import type { HostDrivers } from '../../../drivers/registry/host-drivers.js';
import type { HostingClient } from '../../hosting/client/hosting-client.js';
import type { VmBelief } from '../../hosting/vms/vm-power-follow.js';
import { HypervisorHostEntity, type HypervisorHost } from '../hosts/host-entity.js';
import { VmPlacementEntity, type VmPlacement } from '../placement/placement-entity.js';
import { compareHost, type Finding } from './compare-host.js';
import { DiscrepancyEntity } from './discrepancy-entity.js';
import { RECONCILE_LEASE_ID, ReconcileLeaseEntity, type ReconcileLease } from './reconcile-lease-entity.js';
import { HOST_RECONCILED_CHANNEL, type DiscrepancyReport, type HostReport, type RunReport } from './reconciliation-channels.js';

export interface ReconcilerOptions {
  orm: MikroORM;
  drivers: HostDrivers;
  hosting: Pick<HostingClient, 'vmBeliefs' | 'followVmPowerState'>;
  bus: Bus;
  logger: Logger;
  leaseMs: number;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Asks every host's driver for its ground truth and compares it with what Hostgraph knows: the
 * placements (inventory) and what hosting believes of each VM. Findings replace the host's earlier
 * ones and are announced; a site's state follows a power-state drift through hosting; nothing on a
 * hypervisor is ever changed. A host that cannot be reached is reported as unreachable, and its
 * earlier findings stand — it is not "every VM missing". One worker at a time holds the lease.
 */
export class Reconciler {
  private readonly log: Logger;

  constructor(private readonly options: ReconcilerOptions) {
    this.log = options.logger.child({ component: 'reconciler' });
  }

  /** Null when another worker holds the lease (and reconciles now). */
  async run(requestIds: string[] = [], hostIds?: string[]): Promise<RunReport | null> {
    const owner = randomUUID();
    if (!(await this.takeLease(owner))) return null;
    const startedAt = new Date().toISOString();
    try {
      const em = this.options.orm.em.fork();
      const hosts = await em.find(HypervisorHostEntity, hostIds ? { id: { $in: hostIds } } : {}, { orderBy: { name: 'asc' } });
      const placements = await em.find(VmPlacementEntity, {});
      let beliefs: Map<string, VmBelief>;
      try {
        beliefs = new Map((await this.askHosting(placements.map((placement) => placement.vmId))).map((belief) => [belief.vmId, belief]));
      } catch (error) {
        this.log.warn({ err: error }, 'reconciliation needs hosting, which did not answer');
        return { requestIds, startedAt, finishedAt: new Date().toISOString(), hosts: [], error: `hosting did not answer: ${messageOf(error)}` };
      }
      const hostNames = new Map(hosts.map((host) => [host.id, host.name]));
      const reports: HostReport[] = [];
      for (const host of hosts) {
        const placedElsewhere = new Map(
          placements.filter((placement) => placement.hostId !== host.id).map((placement) => [placement.vmId, hostNames.get(placement.hostId) ?? 'another host']),
        );
        reports.push(await this.reconcileHost(host, placements.filter((placement) => placement.hostId === host.id), beliefs, placedElsewhere));
      }
      return { requestIds, startedAt, finishedAt: new Date().toISOString(), hosts: reports, error: null };
    } finally {
      await this.releaseLease(owner);
    }
  }

  /** A hosting process that is starting too (or a connection it dropped) answers a moment later. */
  private async askHosting(vmIds: string[], tries = 4): Promise<VmBelief[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.hosting.vmBeliefs(vmIds);
      } catch (error) {
        const unavailable = error instanceof HostgraphError && error.extensions.code === 'SERVICE_UNAVAILABLE';
        if (!unavailable || attempt >= tries) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  private async reconcileHost(host: HypervisorHost, placements: VmPlacement[], beliefs: Map<string, VmBelief>, placedElsewhere: Map<string, string>): Promise<HostReport> {
    const now = new Date();
    const em = this.options.orm.em.fork();
    let listed;
    try {
      listed = await this.options.drivers.forHost({ ...host, credentialRef: host.credentialRef ?? null }).list();
    } catch (error) {
      const message = messageOf(error);
      this.log.warn({ host: host.name, err: error }, 'host unreachable; its earlier findings stand');
      await em.nativeUpdate(HypervisorHostEntity, { id: host.id }, { reachable: false, lastReconcileError: message, lastReconciledAt: now });
      const kept = await em.find(DiscrepancyEntity, { hostId: host.id }, { orderBy: { vmName: 'asc' } });
      return this.announce({ hostId: host.id, hostName: host.name, reachable: false, error: message, reconciledAt: now.toISOString(), discrepancies: kept.map((row) => toReport(row, host.name)) });
    }

    const { findings, observations } = compareHost({ listed, placements, beliefs, placedElsewhere });
    const corrected = new Map<Finding, { corrected: boolean; note: string | null }>();
    for (const finding of findings.filter((candidate) => candidate.follow)) {
      try {
        const outcome = await this.options.hosting.followVmPowerState(finding.vmId!, finding.observed as 'running' | 'stopped' | 'suspended');
        corrected.set(finding, { corrected: outcome.changed, note: outcome.changed ? `; site state set to ${outcome.state}` : outcome.reason ? `; ${outcome.reason}` : null });
      } catch (error) {
        corrected.set(finding, { corrected: false, note: `; hosting was not told (${messageOf(error)})` });
      }
    }

    const previous = new Map((await em.find(DiscrepancyEntity, { hostId: host.id })).map((row) => [`${row.kind}\n${row.vmName}`, row.firstSeenAt]));
    const rows = findings.map((finding) => {
      const outcome = corrected.get(finding);
      return {
        id: randomUUID(),
        hostId: host.id,
        kind: finding.kind,
        vmName: finding.vmName,
        vmRef: finding.vmRef,
        vmId: finding.vmId,
        siteId: finding.siteId,
        expected: finding.expected,
        observed: finding.observed,
        corrected: outcome?.corrected ?? false,
        message: finding.message + (outcome?.note ?? ''),
        firstSeenAt: previous.get(`${finding.kind}\n${finding.vmName}`) ?? now,
        lastSeenAt: now,
      };
    });
    await em.transactional(async (tx) => {
      for (const observation of observations) {
        await tx.nativeUpdate(VmPlacementEntity, { vmId: observation.vmId }, { ref: observation.ref, powerState: observation.powerState, observedAt: now });
      }
      await tx.nativeDelete(DiscrepancyEntity, { hostId: host.id });
      if (rows.length > 0) await tx.insertMany(DiscrepancyEntity, rows);
      await tx.nativeUpdate(HypervisorHostEntity, { id: host.id }, { reachable: true, lastReconcileError: null, lastReconciledAt: now });
    });
    if (rows.length > 0) this.log.info({ host: host.name, discrepancies: rows.map((row) => `${row.kind} ${row.vmName}`) }, 'reconciliation found differences');
    return this.announce({
      hostId: host.id,
      hostName: host.name,
      reachable: true,
      error: null,
      reconciledAt: now.toISOString(),
      discrepancies: rows.map((row) => toReport(row, host.name)).sort((a, b) => a.vmName.localeCompare(b.vmName)),
    });
  }

  private async announce(report: HostReport): Promise<HostReport> {
    await this.options.bus.publish(HOST_RECONCILED_CHANNEL, report).catch((error) => this.log.warn({ err: error }, 'host reconciliation not announced'));
    return report;
  }

  private async takeLease(owner: string): Promise<boolean> {
    const em = this.options.orm.em.fork();
    const now = new Date();
    if (!(await em.findOne(ReconcileLeaseEntity, { id: RECONCILE_LEASE_ID }))) {
      await em.upsert(ReconcileLeaseEntity, { id: RECONCILE_LEASE_ID, owner: null, until: null } as ReconcileLease, { onConflictAction: 'ignore' });
    }
    const taken = await em.nativeUpdate(
      ReconcileLeaseEntity,
      { id: RECONCILE_LEASE_ID, $or: [{ until: null }, { until: { $lt: now } }] },
      { owner, until: new Date(now.getTime() + this.options.leaseMs) },
    );
    return taken === 1;
  }

  private async releaseLease(owner: string) {
    await this.options.orm.em.fork().nativeUpdate(ReconcileLeaseEntity, { id: RECONCILE_LEASE_ID, owner }, { owner: null, until: null });
  }
}

type Nullable<T> = { [K in keyof T]: null extends T[K] ? T[K] | undefined : T[K] };

export function toReport(row: Nullable<Omit<DiscrepancyReport, 'hostName' | 'firstSeenAt' | 'lastSeenAt'>> & { firstSeenAt: Date; lastSeenAt: Date }, hostName: string): DiscrepancyReport {
  return {
    id: row.id,
    kind: row.kind,
    hostId: row.hostId,
    hostName,
    vmName: row.vmName,
    vmRef: row.vmRef ?? null,
    vmId: row.vmId ?? null,
    siteId: row.siteId ?? null,
    expected: row.expected ?? null,
    observed: row.observed ?? null,
    corrected: row.corrected,
    message: row.message,
    firstSeenAt: row.firstSeenAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
  };
}
