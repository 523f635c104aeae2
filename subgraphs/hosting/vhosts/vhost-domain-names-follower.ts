import cron from 'node-cron';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Bus, Unsubscribe } from '../../../core/bus/bus.js';
import type { Logger } from '../../../core/logger.js';
import { servicePrincipal } from '../../../core/principal.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { IpregClient, SiteNamesView } from '../../ipreg/client/ipreg-client.js';
import { DOMAIN_NAME_REMOVED_CHANNEL, type DomainNameRemoved } from '../../ipreg/ipreg-channels.js';
import { dispatchConfiguration, requestConfiguration } from '../configuration/configuration-requests.js';
import { ALL_SITES, GatheredSiteChecks, type WantedSites } from '../configuration/gathered-site-checks.js';
import { SiteEntity } from '../sites/site-entity.js';
import { DEFAULT_VHOST } from '../workflows/provision-site.js';
import { VhostEntity, type Vhost } from './vhost-entity.js';
import { markVhostRemoving, renameVhost } from './vhost-name-changes.js';
import { usableNames } from './vhost-name-rules.js';

const BATCH = 100;

/**
 * Keeps vhosts on names the IP registry gives their site: when ipreg announces a removed domain
 * name, and on a schedule (and at start) for the announcements this missed — the bus is best
 * effort, and the scheduler may have been down. It asks ipreg for the names of each running site
 * with vhosts on names of their own (one call per hundred sites), takes the names ipreg no longer
 * gives the site off its vhosts (the first remaining alias becoming the main name; a vhost left
 * with none is removed, its document root staying on the VM) and queues a configuration run.
 * Runs in the scheduler role; several replicas only coalesce their runs.
 */
export class VhostDomainNamesFollower {
  #unsubscribe: Unsubscribe | null = null;
  #job: ReturnType<typeof cron.schedule> | null = null;
  readonly #checks = new GatheredSiteChecks(
    (wanted) => this.#compare(wanted),
    (error) => this.logger.warn({ err: error }, "vhost names not compared with ipreg's; the next reconciliation will"),
  );

  constructor(
    private readonly orm: MikroORM,
    private readonly ipreg: Pick<IpregClient, 'siteNames'>,
    private readonly tasks: TaskService,
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  async start(schedule: string): Promise<void> {
    if (!cron.validate(schedule)) throw new Error(`provisioning.vhostNamesReconcileSchedule "${schedule}" is not a cron expression (seconds minutes hours days months weekdays)`);
    this.#unsubscribe = await this.bus.subscribe(DOMAIN_NAME_REMOVED_CHANNEL, (message) => void this.check([(message as DomainNameRemoved).siteId]));
    this.#job = cron.schedule(schedule, () => this.check(ALL_SITES), { noOverlap: true, name: 'vhost-names-reconciliation' });
    // Whatever was removed while nobody listened.
    void this.check(ALL_SITES);
  }

  /** Compares the given sites (or all running ones with vhosts of their own); calls during a check are gathered into one more. */
  check(sites: readonly string[] | typeof ALL_SITES): Promise<void> {
    return this.#checks.check(sites);
  }

  async #compare(wanted: WantedSites): Promise<void> {
    const em = this.orm.em.fork();
    const vhosts = (await em.find(VhostEntity, { state: 'ACTIVE', ...(wanted === ALL_SITES ? {} : { siteId: { $in: [...wanted] } }) }, { fields: ['siteId', 'name', 'aliases'] }))
      .filter((vhost) => vhost.name !== DEFAULT_VHOST || vhost.aliases.length > 0);
    const candidates = [...new Set(vhosts.map((vhost) => vhost.siteId))];
    if (candidates.length === 0) return;
    const running = (await em.find(SiteEntity, { id: { $in: candidates }, state: 'RUNNING' }, { fields: ['id'] })).map((site) => site.id);
    for (let start = 0; start < running.length; start += BATCH) {
      const batch = running.slice(start, start + BATCH);
      const names = await this.ipreg.siteNames(batch);
      for (const siteId of batch) {
        const site = names.get(siteId);
        // A site ipreg gives no service name is being released or was never set up: take nothing off on that.
        if (!site || site.serviceNames.length === 0) continue;
        await this.#follow(siteId, site);
      }
    }
  }

  /** In one transaction: the site's vhosts as they are now, less the names ipreg does not give it, and a configuration run. */
  async #follow(siteId: string, site: SiteNamesView): Promise<void> {
    const usable = usableNames(site);
    const request = await this.orm.em.fork().transactional(async (tx) => {
      const removed: string[] = [];
      for (const vhost of await tx.find(VhostEntity, { siteId, state: 'ACTIVE' }, { refresh: true })) {
        const names = [vhost.serverName, ...vhost.aliases];
        // The default vhost's main name is the service name, which is not for ipreg to take away here.
        const kept = names.filter((name, index) => usable.has(name) || (index === 0 && vhost.name === DEFAULT_VHOST));
        if (kept.length === names.length) continue;
        removed.push(...names.filter((name) => !kept.includes(name)));
        await this.#keepOnly(tx, vhost, kept);
      }
      if (removed.length === 0) return null;
      this.logger.info({ siteId, names: removed }, 'names the IP registry no longer gives the site taken off its vhosts');
      return requestConfiguration(tx, this.tasks, siteId, servicePrincipal('hosting'), `${removed.join(', ')} no longer ${removed.length === 1 ? 'a domain name' : 'domain names'} of the site`);
    });
    if (!request) return;
    const task = await dispatchConfiguration(this.tasks, request);
    this.logger.info({ siteId, taskId: task.id }, 'vhost names follow ipreg; configuration queued');
  }

  async #keepOnly(tx: EntityManager, vhost: Vhost, kept: string[]): Promise<void> {
    const [serverName, ...aliases] = kept;
    if (serverName === undefined) await markVhostRemoving(tx, vhost.id);
    else await renameVhost(tx, vhost.id, { serverName, aliases });
  }

  async stop(): Promise<void> {
    this.#job?.destroy();
    await this.#unsubscribe?.();
    await this.#checks.idle();
  }
}
