import type { MikroORM } from '@mikro-orm/core';
import { forbidden, notFound } from '../../../core/errors.js';
import { decodeCursor, pageSize, toPage, type Page } from '../../../core/graphql/connection.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import { requireScope, type Principal } from '../../../core/principal.js';
import { TaskEntity } from '../../../core/tasks/task-entities.js';
import type { TaskState } from '../../../core/tasks/task-state.js';
import type { TaskStore } from '../../../core/tasks/task-store.js';
import { toTaskView, type TaskView } from '../../../core/tasks/task-view.js';
import type { SiteAccess } from '../sites/site-access.js';
import { SiteEntity } from '../sites/site-entity.js';

export interface TaskFilterInput {
  siteId?: string;
  state?: TaskState;
  kind?: string;
}

/**
 * Tasks are visible to whoever asked for them, to everyone with a role on their site, and to
 * platform admins; cancelling one takes the right to manage its site.
 */
export class TaskQueries {
  constructor(
    private readonly orm: MikroORM,
    readonly store: TaskStore,
    private readonly access: SiteAccess,
  ) {}

  async canSee(principal: Principal, task: Pick<TaskView, 'requestedBy' | 'subjectId'>): Promise<boolean> {
    if (principal.admin || task.requestedBy === principal.username) return true;
    return (await this.access.rolesOn(principal, task.subjectId)).length > 0;
  }

  async get(principal: Principal, id: string): Promise<TaskView> {
    requireScope(principal, 'tasks:read');
    const task = await this.store.get(validateId(id));
    if (!task) throw notFound('Task', id);
    if (!(await this.canSee(principal, task))) throw forbidden(`You may not see task ${id}`);
    return task;
  }

  /** Cancelling changes what happens to the site: its admins may, and whoever asked while its site is gone. */
  async getToCancel(principal: Principal, id: string): Promise<TaskView> {
    requireScope(principal, 'sites:write');
    const task = await this.store.get(validateId(id));
    if (!task) throw notFound('Task', id);
    const site = await this.orm.em.fork().findOne(SiteEntity, { id: task.subjectId }, { fields: ['id', 'name'] });
    if (site) await this.access.assert(principal, site, 'manage');
    else if (!principal.admin && task.requestedBy !== principal.username) throw forbidden(`You may not cancel task ${id}`);
    return task;
  }

  async list(principal: Principal, filter: TaskFilterInput = {}, first?: number | null, after?: string | null): Promise<Page<TaskView>> {
    requireScope(principal, 'tasks:read');
    const limit = pageSize(first);
    const visible = () => {
      const siteIds = this.access.visibleSiteIds(principal);
      return siteIds ? { $or: [{ requestedBy: principal.username }, { subjectId: { $in: siteIds } }] } : {};
    };
    const where = () => ({
      ...visible(),
      ...(filter.siteId ? { subjectId: validateId(filter.siteId, 'siteId') } : {}),
      ...(filter.state ? { state: filter.state } : {}),
      ...(filter.kind ? { kind: filter.kind } : {}),
    });
    // Newest first; the cursor is (createdAt, id) so equal timestamps still page exactly.
    let cursor = {};
    if (after) {
      const [createdAt, id] = decodeCursor(after, ['number', 'string']) as [number, string];
      const at = new Date(createdAt);
      cursor = { $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: id } }] };
    }
    const em = this.orm.em.fork();
    const [rows, total] = await Promise.all([
      em.find(TaskEntity, { $and: [where(), cursor] }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: limit + 1 }),
      em.count(TaskEntity, where()),
    ]);
    return toPage(rows, limit, total, (task) => [task.createdAt.getTime(), task.id], toTaskView);
  }
}
