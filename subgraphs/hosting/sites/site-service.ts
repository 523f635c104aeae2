import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type FilterQuery, type MikroORM } from '@mikro-orm/core';
import { sqlEntityManager } from '../../../core/database/open-database.js';
import { badInput, conflict, notFound } from '../../../core/errors.js';
import type { Config } from '../../../core/config.js';
import { decodeCursor, pageSize, toPage, type Page } from '../../../core/graphql/connection.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Logger } from '../../../core/logger.js';
import { requireScope, type Principal } from '../../../core/principal.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import { applySiteAccessChanges } from '../access/site-access-projection.js';
import { assertNotLocked, type GuardedKind } from '../lifecycle/operation-rules.js';
import { guardSiteTask } from '../lifecycle/site-task-guard.js';
import { recordSiteHistory, type Clock } from '../history/site-history.js';
import { reserveUsage, siteResources } from '../quota/site-usage.js';
import { stepNamesOf } from '../workflows/site-workflows.js';
import type { SiteAccess, SiteAccessNeed } from './site-access.js';
import { SiteEntity, type Site } from './site-entity.js';
import { validateSiteName } from './site-name.js';
import { VmEntity, vmNameOf, type Vm } from '../vms/vm-entity.js';
import type { SiteState } from './site-state.js';

export interface SiteFilterInput {
  state?: SiteState;
  nameContains?: string;
  owner?: string;
}

const MAX_DESCRIPTION = 1000;

export interface SiteServiceOptions {
  orm: MikroORM;
  tasks: TaskService;
  flavors: Config['flavors'];
  access: SiteAccess;
  identity: Pick<IdentityClient, 'recordSiteCreation' | 'forgetSite' | 'effectiveQuota'>;
  logger: Logger;
  clock: Clock;
}

/** Reads sites and turns requests to change them into tasks. Nothing here touches a hypervisor. */
export class SiteService {
  private readonly orm: MikroORM;
  private readonly tasks: TaskService;
  private readonly flavors: Config['flavors'];

  constructor(private readonly options: SiteServiceOptions) {
    ({ orm: this.orm, tasks: this.tasks, flavors: this.flavors } = options);
  }

  /** A site the principal may see or manage; unknown → NOT_FOUND, no access → FORBIDDEN. */
  async get(principal: Principal, id: string, need: SiteAccessNeed = 'see'): Promise<Site> {
    const site = await this.orm.em.fork().findOne(SiteEntity, { id: validateId(id) });
    if (!site) throw notFound('Site', id);
    await this.options.access.assert(principal, site, need);
    return site;
  }

  /** A VM of a site the principal may see. */
  async getVm(principal: Principal, id: string): Promise<Vm> {
    const vm = await this.orm.em.fork().findOne(VmEntity, { id: validateId(id) });
    if (!vm) throw notFound('VM', id);
    await this.get(principal, vm.siteId);
    return vm;
  }

  async list(principal: Principal, filter: SiteFilterInput = {}, first?: number | null, after?: string | null): Promise<Page<Site>> {
    requireScope(principal, 'sites:read');
    const limit = pageSize(first);
    // Two fragments: each query consumes its own.
    const visible = () => {
      const ids = this.options.access.visibleSiteIds(principal);
      return ids ? { id: { $in: ids } } : {};
    };
    const where = () => ({
      ...visible(),
      ...(filter.state ? { state: filter.state } : {}),
      ...(filter.nameContains ? { name: { $like: `%${filter.nameContains.replace(/[%_\\]/g, '')}%` } } : {}),
      ...(filter.owner ? { owner: filter.owner } : {}),
    });
    const em = sqlEntityManager(this.orm);
    const cursor = after ? { name: { $gt: decodeCursor(after, ['string'])[0] as string } } : {};
    // Read-only rows, mapped but not made into managed entities: a third of find's cost per page.
    const [rows, total] = await Promise.all([
      em.createQueryBuilder(SiteEntity).select('*').where({ $and: [where(), cursor] }).orderBy({ name: 'asc' }).limit(limit + 1).execute('all', true) as Promise<Site[]>,
      em.createQueryBuilder(SiteEntity).where(where()).getCount(),
    ]);
    return toPage(rows, limit, total, (site) => [site.name], (site) => site);
  }

  /**
   * Identity records the creator as the site's first admin and says their quota; then the site, its
   * task, the usage it adds and the creator's grant are written in one transaction. If that
   * transaction fails, identity forgets the site again.
   */
  async create(principal: Principal, input: { name: string; description?: string | null; flavor: string }): Promise<TaskView> {
    requireScope(principal, 'sites:write');
    const name = validateSiteName(input.name);
    const flavor = this.flavors[input.flavor];
    if (!flavor) {
      throw badInput(`Unknown flavor "${input.flavor.slice(0, 80)}"; choose one of ${Object.keys(this.flavors).join(', ')}`, 'flavor');
    }
    if (input.description && input.description.length > MAX_DESCRIPTION) {
      throw badInput(`description is longer than ${MAX_DESCRIPTION} characters`, 'description');
    }
    const nameTaken = () => conflict(`A site named ${name} already exists; choose another name`);
    if (await this.orm.em.fork().count(SiteEntity, { name })) throw nameTaken();
    const siteId = randomUUID();
    const record = await this.options.identity.recordSiteCreation({ siteId, name, creator: principal.username, creatorGroups: principal.groups });
    try {
      const published = await this.orm.em.fork().transactional(async (em) => {
        if (await em.count(SiteEntity, { name })) throw nameTaken();
        await reserveUsage(em, principal.username, siteResources(flavor), record.quota);
        await applySiteAccessChanges(em, record.changes);
        const site = em.create(SiteEntity, {
          id: siteId,
          name,
          description: input.description ?? null,
          state: 'PROVISIONING',
          flavor: input.flavor,
          owner: principal.username,
        });
        em.create(VmEntity, { id: randomUUID(), siteId, role: 'PRODUCTION', name: vmNameOf(site, 'PRODUCTION'), ref: null });
        recordSiteHistory(em, site, this.flavors, this.options.clock);
        return this.tasks.submit(em, { kind: 'createSite', subjectId: site.id, input: {}, principal, stepNames: stepNamesOf('createSite') });
      });
      return this.tasks.dispatch(published);
    } catch (error) {
      await this.options.identity.forgetSite(siteId).catch((cause) => this.options.logger.warn({ err: cause, siteId }, 'identity keeps grants of a site that was not created'));
      // Two requests for one name at once: the unique index decides, the loser hears it plainly.
      if (error instanceof UniqueConstraintViolationException) throw nameTaken();
      throw error;
    }
  }

  /**
   * A new flavor for a running or stopped site. What it adds to the owner's usage is reserved now,
   * against their quota, in the transaction that queues the task (QUOTA_EXCEEDED writes nothing);
   * the task gives it back if the hypervisor cannot resize.
   */
  async resize(principal: Principal, id: string, flavorName: string): Promise<TaskView> {
    const site = await this.get(principal, id, 'manage');
    const flavor = this.flavors[flavorName];
    if (!flavor) throw badInput(`Unknown flavor "${flavorName.slice(0, 80)}"; choose one of ${Object.keys(this.flavors).join(', ')}`, 'flavor');
    assertNotLocked(site, 'resizeSite', principal);
    if (site.state !== 'RUNNING' && site.state !== 'STOPPED') throw conflict(`Site ${site.name} is ${site.state}: only a running or stopped site can be resized`);
    if (site.flavor === flavorName) throw conflict(`Site ${site.name} already has the flavor ${flavorName}`);
    const current = this.flavors[site.flavor] ?? { vcpus: 0, memoryMiB: 0, diskGiB: 0 };
    if (flavor.diskGiB < current.diskGiB) throw conflict(`A disk cannot shrink: ${flavorName} has ${flavor.diskGiB} GiB, site ${site.name} has ${current.diskGiB} GiB`);
    const reserved = { vcpus: Math.max(0, flavor.vcpus - current.vcpus), memoryMiB: Math.max(0, flavor.memoryMiB - current.memoryMiB) };
    const quota = reserved.vcpus || reserved.memoryMiB ? await this.options.identity.effectiveQuota(site.owner) : null;
    const published = await this.orm.em.fork().transactional(async (em) => {
      await guardSiteTask(em, site.id, 'resizeSite', principal);
      // A test copy keeps the hardware it was cloned with, and gives back the quota it took.
      if (await em.count(VmEntity, { siteId: site.id, role: 'TEST' })) throw conflict(`Site ${site.name} has a test copy; remove it or switch to it before resizing`);
      if (quota) await reserveUsage(em, site.owner, reserved, quota);
      return this.tasks.submit(em, { kind: 'resizeSite', subjectId: site.id, input: { flavor: flavorName, reserved }, principal, stepNames: stepNamesOf('resizeSite') });
    });
    return this.tasks.dispatch(published);
  }

  /** Start, stop, reboot, delete and the site operations: checked now (lifecycle/operation-rules.ts), done by a worker in the site's turn. */
  async request(principal: Principal, id: string, kind: Exclude<GuardedKind, 'resizeSite'>, input: Record<string, unknown> = {}): Promise<TaskView> {
    const site = await this.get(principal, id, 'manage');
    const published = await this.orm.em.fork().transactional(async (em) => {
      await guardSiteTask(em, site.id, kind, principal);
      return this.tasks.submit(em, { kind, subjectId: site.id, input, principal, stepNames: stepNamesOf(kind) });
    });
    return this.tasks.dispatch(published);
  }
}
