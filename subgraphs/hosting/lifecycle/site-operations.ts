import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { badInput, conflict } from '../../../core/errors.js';
import { requirePlatformAdmin, type Principal } from '../../../core/principal.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import type { Clock } from '../history/site-history.js';
import type { Site } from '../sites/site-entity.js';
import type { SiteService } from '../sites/site-service.js';
import { stepNamesOf, type SiteOperationKind } from '../workflows/site-workflows.js';
import { isSuspended } from './operation-rules.js';
import { guardSiteTask } from './site-task-guard.js';

const MAX_REASON = 500;

/** What an operation writes with its task, in the same transaction; it may add to the task's input. */
export type WithTask = (em: EntityManager, site: Site) => Promise<Record<string, unknown> | void>;

/**
 * Turns requests for the site operations into tasks: the caller must manage the site, the site
 * must allow the operation now and have no conflicting task (lifecycle/operation-rules.ts).
 */
export class SiteOperations {
  constructor(
    private readonly orm: MikroORM,
    private readonly tasks: TaskService,
    private readonly sites: SiteService,
    private readonly clock: Clock,
    private readonly cancelledRetentionHours: number,
  ) {}

  /** When the scheduler's sweep may destroy a site cancelled at `cancelledAt`. */
  destroyAfter(cancelledAt: Date): Date {
    return new Date(cancelledAt.getTime() + this.cancelledRetentionHours * 3_600_000);
  }

  async submit(principal: Principal, siteId: string, kind: SiteOperationKind, input: Record<string, unknown> = {}, withTask?: WithTask): Promise<TaskView> {
    const site = await this.sites.get(principal, siteId, 'manage');
    const published = await this.orm.em.fork().transactional(async (em) => {
      const current = await guardSiteTask(em, site.id, kind, principal);
      const added = (await withTask?.(em, current)) ?? {};
      return this.tasks.submit(em, { kind, subjectId: site.id, input: { ...input, ...added }, principal, stepNames: stepNamesOf(kind) });
    });
    return this.tasks.dispatch(published);
  }

  /** Platform admins only. Recorded with the request, so the site's admins are locked out at once. */
  async suspend(principal: Principal, siteId: string, reason: string): Promise<TaskView> {
    requirePlatformAdmin(principal, 'suspend a site');
    const why = reason.trim();
    if (!why) throw badInput('Give the reason for the suspension: the site\'s admins are shown it', 'reason');
    if (why.length > MAX_REASON) throw badInput(`reason is longer than ${MAX_REASON} characters`, 'reason');
    return this.submit(principal, siteId, 'suspendSite', { reason: why }, async (em, site) => {
      Object.assign(site, { suspendedReason: why, suspendedBy: principal.username, suspendedAt: this.clock() });
      await em.flush();
    });
  }

  async unsuspend(principal: Principal, siteId: string): Promise<TaskView> {
    requirePlatformAdmin(principal, 'lift a suspension');
    return this.submit(principal, siteId, 'unsuspendSite', {}, async (_em, site) => {
      if (!isSuspended(site)) throw conflict(`Site ${site.name} is not suspended`);
    });
  }
}
