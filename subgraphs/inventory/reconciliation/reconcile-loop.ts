import cron from 'node-cron';
import type { Bus, Unsubscribe } from '../../../core/bus/bus.js';
import type { Logger } from '../../../core/logger.js';
import type { Reconciler } from './reconciler.js';
import { RECONCILE_FINISHED_CHANNEL, RECONCILE_REQUESTED_CHANNEL, type ReconcileRequested, type RunReport } from './reconciliation-channels.js';

/**
 * The worker's side of reconciliation: at start (before the worker takes tasks), on its schedule,
 * and whenever an admin asks through the bus. Requests that arrive during a run are answered by
 * the next one, so nobody gets an answer computed before they asked.
 */
export class ReconcileLoop {
  #pending: ReconcileRequested[] = [];
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #unsubscribe: Unsubscribe | null = null;
  #job: ReturnType<typeof cron.schedule> | null = null;
  private readonly log: Logger;

  constructor(
    private readonly reconciler: Reconciler,
    private readonly bus: Bus,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'reconcile-loop' });
  }

  /** Reconciles once now, then follows the schedule and the requests. */
  async start(schedule: string): Promise<void> {
    if (!cron.validate(schedule)) throw new Error(`inventory.reconcileSchedule "${schedule}" is not a cron expression (seconds minutes hours days months weekdays)`);
    this.#unsubscribe = await this.bus.subscribe(RECONCILE_REQUESTED_CHANNEL, (message) => this.request(message as ReconcileRequested));
    this.request();
    await this.#running;
    this.#job = cron.schedule(schedule, () => this.request(), { noOverlap: true, name: 'inventory-reconcile' });
  }

  request(request?: ReconcileRequested): void {
    if (this.#stopped) return;
    if (request) this.#pending.push(request);
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => (this.#running = null));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#job?.destroy();
    await this.#unsubscribe?.();
    await this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      const batch = this.#pending.splice(0);
      const everyHost = batch.length === 0 || batch.some((request) => !request.hostIds);
      const hostIds = everyHost ? undefined : [...new Set(batch.flatMap((request) => request.hostIds!))];
      let report: RunReport | null;
      try {
        report = await this.reconciler.run(batch.map((request) => request.requestId), hostIds);
      } catch (error) {
        this.log.error({ err: error }, 'reconciliation failed');
        const now = new Date().toISOString();
        report = { requestIds: batch.map((request) => request.requestId), startedAt: now, finishedAt: now, hosts: [], error: (error as Error).message };
      }
      // Null: another worker holds the lease; it heard the same requests and answers them.
      if (report && batch.length > 0) await this.bus.publish(RECONCILE_FINISHED_CHANNEL, report).catch((error) => this.log.warn({ err: error }, 'reconciliation result not published'));
    } while ((this.#again || this.#pending.length > 0) && !this.#stopped);
  }
}
