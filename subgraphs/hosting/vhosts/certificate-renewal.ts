import cron from 'node-cron';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '../../../core/logger.js';
import { servicePrincipal } from '../../../core/principal.js';
import { TaskEntity } from '../../../core/tasks/task-entities.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import { SiteEntity } from '../sites/site-entity.js';
import { stepNamesOf } from '../workflows/site-workflows.js';
import { VhostEntity } from './vhost-entity.js';

/**
 * The scheduler's renewal job: every issued certificate past its renewal time (a third of its
 * lifetime left) on a running site gets a requestCertificate task, unless one is already queued or
 * running for the site. Uploaded certificates are the site's to renew.
 */
export class CertificateRenewal {
  #job: ReturnType<typeof cron.schedule> | null = null;

  constructor(
    private readonly orm: MikroORM,
    private readonly tasks: TaskService,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(schedule: string): void {
    if (!cron.validate(schedule)) throw new Error(`provisioning.certificateRenewalSchedule "${schedule}" is not a cron expression (seconds minutes hours days months weekdays)`);
    this.#job = cron.schedule(schedule, () => this.renewDue().then(() => {}, (error) => this.logger.error({ err: error }, 'certificate renewal failed')), { noOverlap: true, name: 'certificate-renewal' });
  }

  /** Queues the renewals that are due; returns the tasks it queued. */
  async renewDue(): Promise<string[]> {
    const em = this.orm.em.fork();
    const due = await em.find(VhostEntity, { certificateSource: 'ISSUED', state: 'ACTIVE', certificateRenewAfter: { $lte: this.now() } });
    const queued: string[] = [];
    for (const vhost of due) {
      const site = await em.findOne(SiteEntity, { id: vhost.siteId, state: 'RUNNING' }, { fields: ['id'] });
      if (!site) continue;
      if (await em.count(TaskEntity, { subjectId: site.id, kind: 'requestCertificate', state: { $in: ['QUEUED', 'RUNNING'] } })) continue;
      const published = await this.orm.em.fork().transactional(async (tx) =>
        this.tasks.submit(tx, { kind: 'requestCertificate', subjectId: site.id, input: { vhostId: vhost.id, renewal: true }, principal: servicePrincipal('hosting'), stepNames: stepNamesOf('requestCertificate') }),
      );
      const task = await this.tasks.dispatch(published);
      this.logger.info({ vhostId: vhost.id, serverName: vhost.serverName, taskId: task.id }, 'certificate due; renewal queued');
      queued.push(task.id);
    }
    return queued;
  }

  stop(): void {
    this.#job?.destroy();
  }
}
