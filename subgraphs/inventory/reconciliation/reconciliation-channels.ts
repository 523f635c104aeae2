import type { DiscrepancyKind } from './discrepancy-entity.js';

/**
 * What reconciliation says on the bus. Requests go to every worker (one of them holds the lease
 * and answers); each host's outcome is announced as it is known, and the end of a run names the
 * requests it answered.
 */

export const RECONCILE_REQUESTED_CHANNEL = 'inventory:reconcile-requested';
export interface ReconcileRequested {
  requestId: string;
  /** Only these hosts; every host when absent. */
  hostIds?: string[];
}

export const HOST_RECONCILED_CHANNEL = 'inventory:host-reconciled';
export const RECONCILE_FINISHED_CHANNEL = 'inventory:reconcile-finished';

export interface DiscrepancyReport {
  id: string;
  kind: DiscrepancyKind;
  hostId: string;
  hostName: string;
  vmName: string;
  vmRef: string | null;
  vmId: string | null;
  siteId: string | null;
  expected: string | null;
  observed: string | null;
  corrected: boolean;
  message: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface HostReport {
  hostId: string;
  hostName: string;
  reachable: boolean;
  /** Why the host could not be reached; its earlier findings stand meanwhile. */
  error: string | null;
  reconciledAt: string;
  discrepancies: DiscrepancyReport[];
}

export interface RunReport {
  /** The `reconcile` requests this run answers. */
  requestIds: string[];
  startedAt: string;
  finishedAt: string;
  hosts: HostReport[];
  /** Why the run as a whole could not compare (hosting unreachable, say). */
  error: string | null;
}
