import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import cron from 'node-cron';
import { HostgraphError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { servicePrincipal } from '../../../core/principal.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import { stepNamesOf, type SiteOperationKind } from '../workflows/site-workflows.js';
import type { WithTask } from './site-operations.js';
import { guardSiteTask } from './site-task-guard.js';

/** Background work carries the principal that asked for it: here, the scheduler. */
export const SCHEDULER = servicePrincipal('scheduler');

/**
 * Queues a task the scheduler decided on, under the same rules as a person's request. False when
 * the site refuses it now (a conflicting task, another replica's identical task, a state that
 * does not allow it): the next run asks again.
 */
export async function submitScheduledTask(
  orm: MikroORM,
  tasks: TaskService,
  siteId: string,
  kind: SiteOperationKind | 'deleteSite',
  input: Record<string, unknown>,
  withTask?: WithTask,
): Promise<boolean> {
  try {
    const published = await orm.em.fork().transactional(async (em) => {
      const site = await guardSiteTask(em, siteId, kind, SCHEDULER);
      const added = (await withTask?.(em, site)) ?? {};
      return tasks.submit(em, { kind, subjectId: siteId, input: { ...input, ...added }, principal: SCHEDULER, stepNames: stepNamesOf(kind) });
    });
    await tasks.dispatch(published);
    return true;
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException || error instanceof HostgraphError) return false;
    throw error;
  }
}

/**
 * Runs `job` on the scheduler role's clock, one run at a time; stopping waits for a run under way.
 * Several scheduler replicas may run it: what it queues is refused the second time.
 */
export function scheduleSiteJob(name: string, expression: string, job: () => Promise<unknown>, logger: Logger) {
  if (!cron.validate(expression)) throw new Error(`siteLifecycle: "${expression}" (${name}) is not a cron expression (seconds minutes hours days months weekdays)`);
  let running: Promise<unknown> | null = null;
  const task = cron.schedule(
    expression,
    () => {
      running = job()
        .catch((error) => logger.error({ err: error, job: name }, 'scheduled site job failed'))
        .finally(() => (running = null));
      return running;
    },
    { noOverlap: true, name },
  );
  return {
    run: job,
    stop: async () => {
      task.destroy();
      await running;
    },
  };
}
