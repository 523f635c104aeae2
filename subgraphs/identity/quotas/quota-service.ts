import type { MikroORM } from '@mikro-orm/core';
import { badInput, notFound } from '../../../core/errors.js';
import type { QuotaLimits } from '../../../core/config.js';
import type { Principal } from '../../../core/principal.js';
import { GroupEntity, MembershipEntity, UserEntity } from '../people/people-entities.js';
import type { Grantee } from '../site-access/site-access-service.js';
import { QuotaEntity, type Quota } from './quota-entity.js';

export const QUOTA_RESOURCES = ['sites', 'vcpus', 'memoryMiB', 'snapshots'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

export type EffectiveQuotaView = Record<QuotaResource, { limit: number | null; source: string | null }>;

export const limitsOf = (quota: Quota): QuotaLimits => ({
  sites: quota.sites ?? null,
  vcpus: quota.vcpus ?? null,
  memoryMiB: quota.memoryMiB ?? null,
  snapshots: quota.snapshots ?? null,
});

/** Quotas admins set on people and groups; for each resource the smallest that applies wins. */
export class QuotaService {
  constructor(
    private readonly orm: MikroORM,
    private readonly defaultQuota: QuotaLimits,
  ) {}

  async list(): Promise<Quota[]> {
    return this.orm.em.fork().find(QuotaEntity, {}, { orderBy: { subjectKind: 'asc', subject: 'asc' } });
  }

  async set(principal: Principal, subject: Grantee, limits: Partial<QuotaLimits>): Promise<Quota> {
    for (const resource of QUOTA_RESOURCES) {
      const value = limits[resource];
      if (value !== null && value !== undefined && (!Number.isInteger(value) || value < 0)) {
        throw badInput(`${resource} must be a whole number ≥ 0, or null for no limit; got ${value}`, resource);
      }
    }
    await this.assertSubjectExists(subject);
    const em = this.orm.em.fork();
    const row = {
      subjectKind: subject.kind,
      subject: subject.name,
      sites: limits.sites ?? null,
      vcpus: limits.vcpus ?? null,
      memoryMiB: limits.memoryMiB ?? null,
      snapshots: limits.snapshots ?? null,
      updatedBy: principal.username,
      updatedAt: new Date(),
    };
    return em.upsert(QuotaEntity, row);
  }

  async remove(subject: Grantee): Promise<boolean> {
    return (await this.orm.em.fork().nativeDelete(QuotaEntity, { subjectKind: subject.kind, subject: subject.name })) > 0;
  }

  /**
   * What limits a person: the default, their own quota, and the quota of each group they belong to
   * (as the directory says, plus any groups their token names); per resource the smallest wins.
   */
  async effective(username: string, extraGroups: readonly string[] = []): Promise<EffectiveQuotaView> {
    const em = this.orm.em.fork();
    const groups = new Set([...extraGroups, ...(await em.find(MembershipEntity, { username })).map((row) => row.groupId)]);
    const quotas = await em.find(QuotaEntity, {
      $or: [{ subjectKind: 'USER', subject: username }, ...(groups.size ? [{ subjectKind: 'GROUP' as const, subject: { $in: [...groups] } }] : [])],
    });
    const candidates: { source: string; limits: QuotaLimits }[] = [
      { source: 'default', limits: this.defaultQuota },
      ...quotas.map((quota) => ({ source: `${quota.subjectKind === 'USER' ? 'user' : 'group'} ${quota.subject}`, limits: limitsOf(quota) })),
    ];
    const smallest = (resource: QuotaResource) => {
      let best: { limit: number | null; source: string | null } = { limit: null, source: null };
      for (const { source, limits } of candidates) {
        const limit = limits[resource] ?? null;
        if (limit !== null && (best.limit === null || limit < best.limit)) best = { limit, source };
      }
      return best;
    };
    return Object.fromEntries(QUOTA_RESOURCES.map((resource) => [resource, smallest(resource)])) as EffectiveQuotaView;
  }

  private async assertSubjectExists(subject: Grantee) {
    const em = this.orm.em.fork();
    const exists = subject.kind === 'USER' ? await em.count(UserEntity, { username: subject.name }) : await em.count(GroupEntity, { id: subject.name });
    if (!exists) throw notFound(subject.kind === 'USER' ? 'User' : 'Group', subject.name);
  }
}
