import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type FilterQuery, type MikroORM } from '@mikro-orm/core';
import { badInput, conflict, notFound } from '../../../core/errors.js';
import type { Config } from '../../../core/config.js';
import { decodeCursor, pageSize, toPage, type Page } from '../../../core/graphql/connection.js';
import type { Principal } from '../../../core/principal.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import { stepNamesOf, type SiteTaskKind } from '../workflows/site-workflows.js';
import { assertCanManageSite, visibleSites } from './site-access.js';
import { SiteEntity, type Site } from './site-entity.js';
import { validateSiteName } from './site-name.js';
import type { SiteState } from './site-state.js';

export interface SiteFilterInput {
  state?: SiteState;
  nameContains?: string;
  owner?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_DESCRIPTION = 1000;

export function validateId(id: string, field = 'id'): string {
  if (!UUID.test(id)) throw badInput(`${field} "${id.slice(0, 80)}" is not an id from this API`, field);
  return id.toLowerCase();
}

/** Reads sites and turns requests to change them into tasks. Nothing here touches a hypervisor. */
export class SiteService {
  constructor(
    private readonly orm: MikroORM,
    private readonly tasks: TaskService,
    private readonly flavors: Config['flavors'],
  ) {}

  /** A site the principal may manage; unknown → NOT_FOUND, someone else's → FORBIDDEN. */
  async get(principal: Principal, id: string): Promise<Site> {
    const site = await this.orm.em.fork().findOne(SiteEntity, { id: validateId(id) });
    if (!site) throw notFound('Site', id);
    assertCanManageSite(principal, site);
    return site;
  }

  async list(principal: Principal, filter: SiteFilterInput = {}, first?: number | null, after?: string | null): Promise<Page<Site>> {
    const limit = pageSize(first);
    const where: FilterQuery<Site> & Record<string, unknown> = {
      ...(visibleSites(principal) as object),
      ...(filter.state ? { state: filter.state } : {}),
      ...(filter.nameContains ? { name: { $like: `%${filter.nameContains.replace(/[%_\\]/g, '')}%` } } : {}),
    };
    if (filter.owner) {
      if (!principal.admin && filter.owner !== principal.username) return toPage([], limit, 0, () => [], (s: Site) => s);
      Object.assign(where, { owner: filter.owner });
    }
    const em = this.orm.em.fork();
    const cursor = after ? { name: { $gt: decodeCursor(after, ['string'])[0] as string } } : {};
    const [rows, total] = await Promise.all([
      em.find(SiteEntity, { ...where, ...cursor }, { orderBy: { name: 'asc' }, limit: limit + 1 }),
      em.count(SiteEntity, where),
    ]);
    return toPage(rows, limit, total, (site) => [site.name], (site) => site);
  }

  async create(principal: Principal, input: { name: string; description?: string | null; flavor: string }): Promise<TaskView> {
    const name = validateSiteName(input.name);
    if (!this.flavors[input.flavor]) {
      throw badInput(`Unknown flavor "${input.flavor.slice(0, 80)}"; choose one of ${Object.keys(this.flavors).join(', ')}`, 'flavor');
    }
    if (input.description && input.description.length > MAX_DESCRIPTION) {
      throw badInput(`description is longer than ${MAX_DESCRIPTION} characters`, 'description');
    }
    try {
      const published = await this.orm.em.fork().transactional(async (em) => {
        if (await em.count(SiteEntity, { name })) throw conflict(`A site named ${name} already exists; choose another name`);
        const site = em.create(SiteEntity, {
          id: randomUUID(),
          name,
          description: input.description ?? null,
          state: 'PROVISIONING',
          flavor: input.flavor,
          vmRef: null,
          owner: principal.username,
        });
        return this.tasks.submit(em, { kind: 'createSite', subjectId: site.id, input: {}, principal, stepNames: stepNamesOf('createSite') });
      });
      return this.tasks.dispatch(published);
    } catch (error) {
      // Two requests for one name at once: the unique index decides, the loser hears it plainly.
      if (error instanceof UniqueConstraintViolationException) {
        throw conflict(`A site named ${name} already exists; choose another name`);
      }
      throw error;
    }
  }

  /** Start, stop, reboot or delete: checked now, done by a worker in the site's turn. */
  async request(principal: Principal, id: string, kind: Exclude<SiteTaskKind, 'createSite'>, input: Record<string, unknown> = {}) {
    const site = await this.get(principal, id);
    if (kind !== 'deleteSite' && (site.state === 'FAILED' || site.state === 'CANCELLED')) {
      throw conflict(`Site ${site.name} is ${site.state} and has no VM to ${kind.replace('Site', '')}; delete it or create it again`);
    }
    const published = await this.orm.em.fork().transactional(async (em) =>
      this.tasks.submit(em, { kind, subjectId: site.id, input, principal, stepNames: stepNamesOf(kind) }),
    );
    return this.tasks.dispatch(published);
  }
}
