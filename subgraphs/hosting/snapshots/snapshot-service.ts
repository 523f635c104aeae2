import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { conflict, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Principal } from '../../../core/principal.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import type { Clock } from '../history/site-history.js';
import type { SiteOperations } from '../lifecycle/site-operations.js';
import { reserveUsage } from '../quota/site-usage.js';
import type { Site } from '../sites/site-entity.js';
import type { SiteService } from '../sites/site-service.js';
import { VmEntity } from '../vms/vm-entity.js';
import { SnapshotEntity, type Snapshot, type SnapshotKind } from './snapshot-entity.js';
import { defaultSnapshotName, validateSnapshotName } from './snapshot-name.js';

/**
 * Adds a CREATING snapshot of the site's production VM in the caller's transaction; its name is
 * unique per site (CONFLICT otherwise). Returns the task input that takes it.
 */
export async function addSnapshot(em: EntityManager, site: Site, name: string, kind: SnapshotKind, takenBy: string, at: Date) {
  const production = await em.findOneOrFail(VmEntity, { siteId: site.id, role: 'PRODUCTION' });
  if (!production.ref) throw conflict(`Site ${site.name} has no VM on a hypervisor to take a snapshot of`);
  if (await em.count(SnapshotEntity, { siteId: site.id, name })) throw conflict(`Site ${site.name} already has a snapshot named ${name}; choose another name`);
  const snapshot = em.create(SnapshotEntity, { id: randomUUID(), siteId: site.id, vmId: production.id, name, kind, state: 'CREATING', ref: null, takenBy, createdAt: at });
  await em.flush();
  return { snapshotId: snapshot.id };
}

/** Snapshots of a site's VMs: taken, restored and deleted by tasks; manual ones count against the owner's quota. */
export class SnapshotService {
  constructor(
    private readonly orm: MikroORM,
    private readonly sites: SiteService,
    private readonly operations: SiteOperations,
    private readonly identity: Pick<IdentityClient, 'effectiveQuota'>,
    private readonly clock: Clock,
  ) {}

  /** Those of a site already shown to the caller, newest first. */
  ofSite(siteId: string): Promise<Snapshot[]> {
    return this.orm.em.fork().find(SnapshotEntity, { siteId }, { orderBy: { createdAt: 'desc', name: 'asc' } });
  }

  async create(principal: Principal, siteId: string, name?: string | null): Promise<TaskView> {
    const at = this.clock();
    const chosen = name == null ? defaultSnapshotName(at) : validateSnapshotName(name);
    const site = await this.sites.get(principal, siteId, 'manage');
    const quota = await this.identity.effectiveQuota(site.owner);
    try {
      return await this.operations.submit(principal, site.id, 'createSnapshot', {}, async (em, current) => {
        const input = await addSnapshot(em, current, chosen, 'MANUAL', principal.username, at);
        await reserveUsage(em, current.owner, { snapshots: 1 }, quota);
        return input;
      });
    } catch (error) {
      // Two requests for one name at once: the unique index decides.
      if (error instanceof UniqueConstraintViolationException) throw conflict(`Site ${site.name} already has a snapshot named ${chosen}; choose another name`);
      throw error;
    }
  }

  /** The VM the snapshot is of goes back to it; a snapshot still being taken or deleted is refused. */
  async restore(principal: Principal, snapshotId: string): Promise<TaskView> {
    const snapshot = await this.find(principal, snapshotId);
    return this.operations.submit(principal, snapshot.siteId, 'restoreSnapshot', { snapshotId: snapshot.id }, async (em) => {
      await this.requireReady(em, snapshot.id, 'restored');
    });
  }

  async delete(principal: Principal, snapshotId: string): Promise<TaskView> {
    const snapshot = await this.find(principal, snapshotId);
    return this.operations.submit(principal, snapshot.siteId, 'deleteSnapshot', { snapshotId: snapshot.id }, async (em) => {
      const current = await this.requireReady(em, snapshot.id, 'deleted');
      current.state = 'DELETING';
      await em.flush();
    });
  }

  /** Unknown → NOT_FOUND; a snapshot of a site the caller may not see → FORBIDDEN, as that site is. */
  private async find(principal: Principal, snapshotId: string): Promise<Snapshot> {
    const snapshot = await this.orm.em.fork().findOne(SnapshotEntity, { id: validateId(snapshotId, 'snapshotId') });
    if (!snapshot) throw notFound('Snapshot', snapshotId);
    await this.sites.get(principal, snapshot.siteId, 'see');
    return snapshot;
  }

  private async requireReady(em: EntityManager, id: string, what: string): Promise<Snapshot> {
    const current = await em.findOne(SnapshotEntity, { id });
    if (!current) throw notFound('Snapshot', id);
    if (current.state !== 'READY') throw conflict(`Snapshot ${current.name} is ${current.state === 'CREATING' ? 'still being taken' : 'being deleted'} and cannot be ${what}`);
    return current;
  }
}
