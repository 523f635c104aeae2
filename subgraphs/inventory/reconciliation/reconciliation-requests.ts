import { randomUUID } from 'node:crypto';
import type { Bus } from '../../../core/bus/bus.js';
import { RECONCILE_FINISHED_CHANNEL, RECONCILE_REQUESTED_CHANNEL, type ReconcileRequested, type RunReport } from './reconciliation-channels.js';

/**
 * The subgraph's side: only workers call drivers, so `reconcile` asks them over the bus and waits
 * for the run that answers it.
 */
export class ReconciliationRequests {
  constructor(
    private readonly bus: Bus,
    private readonly waitMs: number,
  ) {}

  /** The run that answered, or null when no worker answered in time. */
  async request(hostIds?: string[]): Promise<{ requestId: string; report: RunReport | null }> {
    const requestId = randomUUID();
    let answer!: (report: RunReport) => void;
    const answered = new Promise<RunReport>((resolve) => (answer = resolve));
    const unsubscribe = await this.bus.subscribe(RECONCILE_FINISHED_CHANNEL, (message) => {
      const report = message as RunReport;
      if (report.requestIds?.includes(requestId)) answer(report);
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const request: ReconcileRequested = { requestId, ...(hostIds ? { hostIds } : {}) };
      await this.bus.publish(RECONCILE_REQUESTED_CHANNEL, request);
      const report = await Promise.race([answered, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.waitMs)))]);
      return { requestId, report };
    } finally {
      clearTimeout(timer);
      await unsubscribe();
    }
  }
}
