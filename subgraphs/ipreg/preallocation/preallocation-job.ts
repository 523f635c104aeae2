import cron from 'node-cron';
import { HostgraphError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import type { DnsPublisher } from '../../../plugins/dns/dns-publisher.js';
import { replaceRRsets } from '../../../plugins/dns/rrset-changes.js';
import type { NetworkService } from '../network/network-service.js';
import { POOL_PURPOSES, type PoolPurpose } from '../pools/pool-entity.js';
import type { PoolService } from '../pools/pool-service.js';
import type { IpregServices } from '../ipreg-context.js';

export interface PreallocationReport {
  made: Record<string, number>;
  published: number;
  /** Accepted domain names whose publication had failed, published now. */
  domainNames: number;
  /** Purposes whose pools ran out before the count was reached. */
  exhausted: PoolPurpose[];
}

/**
 * Keeps `count` READY names per purpose that has pools: name, addresses, host keys and published
 * records, so a new site takes one and resolves at once. Names not yet published (a DNS server that
 * was down) are published on the next run. Several schedulers may run it: a few extra ready names
 * are harmless, and each is made under the same locks as any allocation.
 */
export class PreallocationJob {
  private readonly pools: PoolService;
  private readonly network: NetworkService;
  private readonly dns: Pick<DnsPublisher, 'apply'>;

  constructor(
    private readonly services: Pick<IpregServices, 'pools' | 'network' | 'domainNames' | 'dns'>,
    /** Ready names kept per purpose; 0 makes none (pending domain names are still published). */
    private readonly count: number,
    private readonly logger: Logger,
  ) {
    ({ pools: this.pools, network: this.network, dns: this.dns } = services);
  }

  async run(): Promise<PreallocationReport> {
    const report: PreallocationReport = { made: {}, published: 0, domainNames: 0, exhausted: [] };
    const purposes = new Set((await this.pools.list()).map((pool) => pool.purpose));
    for (const purpose of POOL_PURPOSES.filter((candidate) => purposes.has(candidate))) {
      const missing = this.count - (await this.network.readyNames(purpose)).length;
      for (let i = 0; i < missing; i++) {
        try {
          await this.network.preallocate(purpose);
          report.made[purpose] = (report.made[purpose] ?? 0) + 1;
        } catch (error) {
          if (!(error instanceof HostgraphError && error.extensions.code === 'POOL_EXHAUSTED')) throw error;
          report.exhausted.push(purpose);
          this.logger.warn({ purpose }, error.message);
          break;
        }
      }
    }
    const unpublished = (await this.network.readyNames()).filter((name) => !name.publishedAt);
    if (unpublished.length > 0) {
      await this.dns.apply(replaceRRsets(await this.network.recordsOf(unpublished)));
      await this.network.markPublished(unpublished.map((name) => name.id));
      report.published = unpublished.length;
    }
    report.domainNames = await this.services.domainNames.publishPending();
    return report;
  }
}

/** Runs the job on the scheduler role's clock; a run under way finishes before shutdown. */
export function schedulePreallocation(job: PreallocationJob, expression: string, logger: Logger) {
  if (!cron.validate(expression)) throw new Error(`ipreg.preallocate.schedule "${expression}" is not a cron expression (seconds minutes hours days months weekdays)`);
  let running: Promise<unknown> | null = null;
  // The first run at start and the cron's runs share one at a time, or both would fill the same gap.
  const tick = () => {
    if (running) return running;
    running = job
      .run()
      .then((report) => Object.keys(report.made).length > 0 && logger.info(report, 'names preallocated'))
      .catch((error) => logger.error({ err: error }, 'preallocation failed; the next run tries again'))
      .finally(() => (running = null));
    return running;
  };
  const task = cron.schedule(expression, tick, { noOverlap: true, name: 'ipreg-preallocation' });
  return {
    tick,
    stop: async () => {
      task.destroy();
      await running;
    },
  };
}
