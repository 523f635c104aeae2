import cron from 'node-cron';
import type { MikroORM } from '@mikro-orm/core';
import type { Bus, Unsubscribe } from '../../../core/bus/bus.js';
import type { Logger } from '../../../core/logger.js';
import { servicePrincipal } from '../../../core/principal.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import { PRINCIPALS_CHANGED_CHANNEL, SSH_KEYS_CHANGED_CHANNEL } from '../../identity/identity-channels.js';
import { SITE_ACCESS_CHANNEL, type SiteAccessChange } from '../../identity/site-access/site-roles.js';
import { accountsDigest } from '../provisioning/apply-site-configuration.js';
import { SiteEntity } from '../sites/site-entity.js';
import { dispatchConfiguration, ensureSiteConfiguration, requestConfiguration } from './configuration-requests.js';
import { ALL_SITES, GatheredSiteChecks, type WantedSites } from './gathered-site-checks.js';
import { SiteConfigurationEntity } from './site-configuration-entity.js';

const BATCH = 100;

/**
 * Keeps the accounts on sites' VMs following identity: when an SSH grant changes, someone's SSH
 * keys change, or the directory sync reports people who changed (or left), and on a schedule in
 * case a message was lost. It asks identity who should have an account on each running site,
 * compares that with what the last configuration run installed, and queues a run (coalesced) for
 * the sites that differ. Runs in the scheduler role; several replicas only coalesce.
 */
export class SiteAccountsFollower {
  #unsubscribes: Unsubscribe[] = [];
  #job: ReturnType<typeof cron.schedule> | null = null;
  readonly #checks = new GatheredSiteChecks(
    (wanted) => this.#compare(wanted),
    (error) => this.logger.warn({ err: error }, 'site accounts not compared with identity; the next refresh will'),
  );

  constructor(
    private readonly orm: MikroORM,
    private readonly identity: Pick<IdentityClient, 'siteAccounts'>,
    private readonly tasks: TaskService,
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  async start(schedule: string): Promise<void> {
    if (!cron.validate(schedule)) throw new Error(`provisioning.accountsRefreshSchedule "${schedule}" is not a cron expression (seconds minutes hours days months weekdays)`);
    this.#unsubscribes.push(
      await this.bus.subscribe(SITE_ACCESS_CHANNEL, (message) => {
        const change = message as SiteAccessChange;
        if (change.role === 'SSH') void this.check([change.siteId]);
      }),
      // Who is in which group, who left, whose keys changed: any site may be concerned.
      await this.bus.subscribe(PRINCIPALS_CHANGED_CHANNEL, () => void this.check(ALL_SITES)),
      await this.bus.subscribe(SSH_KEYS_CHANGED_CHANNEL, () => void this.check(ALL_SITES)),
    );
    this.#job = cron.schedule(schedule, () => this.check(ALL_SITES), { noOverlap: true, name: 'site-accounts-refresh' });
  }

  /** Compares the given sites (or all running ones); calls during a check are gathered into one more. */
  check(sites: string[] | typeof ALL_SITES): Promise<void> {
    return this.#checks.check(sites);
  }

  async #compare(wanted: WantedSites) {
    const em = this.orm.em.fork();
    const running = await em.find(SiteEntity, { state: 'RUNNING', ...(wanted === ALL_SITES ? {} : { id: { $in: [...wanted] } }) }, { fields: ['id'] });
    const ids = running.map((site) => site.id);
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = ids.slice(start, start + BATCH);
      const accounts = await this.identity.siteAccounts(batch);
      const applied = new Map((await em.find(SiteConfigurationEntity, { siteId: { $in: batch } })).map((row) => [row.siteId, row.accountsDigest]));
      for (const siteId of batch) {
        if (applied.get(siteId) === accountsDigest(accounts.get(siteId) ?? [])) continue;
        const request = await this.orm.em.fork().transactional(async (tx) => {
          await ensureSiteConfiguration(tx, siteId);
          return requestConfiguration(tx, this.tasks, siteId, servicePrincipal('hosting'), 'accounts changed in identity');
        });
        const task = await dispatchConfiguration(this.tasks, request);
        this.logger.info({ siteId, taskId: task.id }, 'site accounts differ from identity; configuration queued');
      }
    }
  }

  async stop(): Promise<void> {
    this.#job?.destroy();
    for (const unsubscribe of this.#unsubscribes) await unsubscribe();
    await this.#checks.idle();
  }
}
