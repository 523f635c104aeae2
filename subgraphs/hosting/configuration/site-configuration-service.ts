import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { badInput } from '../../../core/errors.js';
import type { Principal } from '../../../core/principal.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import type { SiteService } from '../sites/site-service.js';
import { databasePasswordPurpose } from '../workflows/change-database-password.js';
import { stepNamesOf } from '../workflows/site-workflows.js';
import { assertConfigurable } from './configurable-site.js';
import { configurationQueued, dispatchConfiguration, requestConfiguration } from './configuration-requests.js';
import type { SecretSealer } from './sealed-secrets.js';
import { SitePackageEntity } from './site-configuration-entity.js';

const MAX_PACKAGES_PER_REQUEST = 50;

export interface SiteConfigurationServiceOptions {
  orm: MikroORM;
  tasks: TaskService;
  sites: SiteService;
  sealer: SecretSealer;
  approvedPackages: readonly string[];
}

/** Packages, the database password and re-application: checked here, applied by a worker. */
export class SiteConfigurationService {
  constructor(private readonly options: SiteConfigurationServiceOptions) {}

  async packagesOf(siteId: string): Promise<string[]> {
    const rows = await this.options.orm.em.fork().find(SitePackageEntity, { siteId, wanted: true }, { orderBy: { name: 'asc' } });
    return rows.map((row) => row.name);
  }

  async queued(siteIds: readonly string[]): Promise<Set<string>> {
    return configurationQueued(this.options.orm.em.fork(), siteIds);
  }

  /** Only names on the approved list; anything else is refused before anything is written or queued. */
  async setPackages(principal: Principal, siteId: string, names: string[], wanted: boolean): Promise<TaskView> {
    const site = await this.options.sites.get(principal, siteId, 'manage');
    const packages = [...new Set(names.map((name) => name.trim()))];
    if (packages.length === 0) throw badInput('Name at least one package', 'packages');
    if (packages.length > MAX_PACKAGES_PER_REQUEST) throw badInput(`At most ${MAX_PACKAGES_PER_REQUEST} packages at a time`, 'packages');
    const refused = packages.filter((name) => !this.options.approvedPackages.includes(name));
    if (refused.length > 0) {
      throw badInput(
        `${refused.map((name) => JSON.stringify(name.slice(0, 80))).join(', ')} ${refused.length === 1 ? 'is' : 'are'} not on the approved list; ask the operators, or choose from ${this.options.approvedPackages.join(', ')}`,
        'packages',
      );
    }
    assertConfigurable(site);
    const request = await this.options.orm.em.fork().transactional(async (em) => {
      for (const name of packages) {
        await (em as SqlEntityManager).createQueryBuilder(SitePackageEntity).insert({ siteId: site.id, name, wanted }).onConflict(['siteId', 'name']).merge(['wanted']).execute();
      }
      return requestConfiguration(em, this.options.tasks, site.id, principal, `${wanted ? 'install' : 'remove'} ${packages.join(' ')}`);
    });
    return dispatchConfiguration(this.options.tasks, request);
  }

  /** Re-applies everything the site's VM should have (joins a run that waits to start). */
  async resync(principal: Principal, siteId: string): Promise<TaskView> {
    const site = await this.options.sites.get(principal, siteId, 'manage');
    assertConfigurable(site);
    const request = await this.options.orm.em.fork().transactional((em) => requestConfiguration(em, this.options.tasks, site.id, principal, 'resync requested'));
    return dispatchConfiguration(this.options.tasks, request);
  }

  /**
   * A new database root password, made here and returned once: the task carries it sealed and
   * erases it when settled; it is never in a log, an event or the task's output.
   */
  async changeDatabaseRootPassword(principal: Principal, siteId: string): Promise<{ password: string; task: TaskView }> {
    const site = await this.options.sites.get(principal, siteId, 'manage');
    assertConfigurable(site);
    const password = randomBytes(24).toString('base64url');
    const sealedPassword = this.options.sealer.seal(password, databasePasswordPurpose(site.id));
    const published = await this.options.orm.em.fork().transactional(async (em) =>
      this.options.tasks.submit(em, { kind: 'changeDatabaseRootPassword', subjectId: site.id, input: { sealedPassword }, principal, stepNames: stepNamesOf('changeDatabaseRootPassword') }),
    );
    return { password, task: await this.options.tasks.dispatch(published) };
  }
}
