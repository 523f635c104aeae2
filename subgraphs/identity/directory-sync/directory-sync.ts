import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Bus } from '../../../core/bus/bus.js';
import type { Logger } from '../../../core/logger.js';
import type { Directory, DirectorySnapshot } from '../../../plugins/directory/directory.js';
import { resolveGroupMemberships } from '../../../plugins/directory/group-memberships.js';
import type { ApiTokenService } from '../api-tokens/api-token-service.js';
import { PRINCIPALS_CHANGED_CHANNEL, type PrincipalsChanged } from '../identity-channels.js';
import { GroupEntity, GroupMemberEntity, GroupSubgroupEntity, MembershipEntity, UserEntity } from '../people/people-entities.js';
import type { SiteAccessService } from '../site-access/site-access-service.js';
import { SYNC_STATE_ID, SyncStateEntity, type SyncState } from './sync-state-entity.js';

export interface SyncOutcome {
  ok: boolean;
  /** Another sync held the lease; this one did nothing. */
  skipped?: boolean;
  users: number;
  groups: number;
  /** People who left the directory in this sync. */
  left: string[];
  error?: string;
}

export interface DirectoryStatusView {
  kind: string | null;
  lastSyncAt: Date | null;
  lastAttemptAt: Date | null;
  stale: boolean;
  ageSeconds: number | null;
  lastError: string | null;
  users: number;
  groups: number;
}

export interface DirectorySyncOptions {
  orm: MikroORM;
  directory: Directory;
  bus: Bus;
  logger: Logger;
  apiTokens: ApiTokenService;
  siteAccess: SiteAccessService;
  staleAfterSeconds: number;
  /** A sync that takes longer than this loses its lease to the next one. */
  leaseMs?: number;
}

/** The directory's people and groups into the identity tables; a failed read changes nothing. */
export class DirectorySync {
  private readonly log: Logger;

  constructor(private readonly options: DirectorySyncOptions) {
    this.log = options.logger.child({ component: 'directory-sync' });
  }

  /**
   * One sync, unless another replica is syncing: then nothing (the scheduler's tick), or, with
   * `wait`, a sync of its own once the other is done, so "sync now" always reads the directory
   * after it was asked to (what an admin expects who just removed someone).
   */
  async run({ wait = false } = {}): Promise<SyncOutcome> {
    const owner = randomUUID();
    const leaseMs = this.options.leaseMs ?? 5 * 60_000;
    const deadline = Date.now() + leaseMs;
    while (!(await this.takeLease(owner))) {
      if (!wait || Date.now() > deadline) return { ok: true, skipped: true, users: 0, groups: 0, left: [] };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      return await this.syncOnce();
    } finally {
      await this.releaseLease(owner);
    }
  }

  async status(now = new Date()): Promise<DirectoryStatusView> {
    const state = await this.options.orm.em.fork().findOne(SyncStateEntity, { id: SYNC_STATE_ID });
    const lastSyncAt = state?.lastSuccessAt ?? null;
    const ageSeconds = lastSyncAt ? Math.max(0, Math.floor((now.getTime() - lastSyncAt.getTime()) / 1000)) : null;
    return {
      kind: state?.directoryKind ?? null,
      lastSyncAt,
      lastAttemptAt: state?.lastAttemptAt ?? null,
      stale: ageSeconds === null || Boolean(state?.lastError) || ageSeconds > this.options.staleAfterSeconds,
      ageSeconds,
      lastError: state?.lastError ?? null,
      users: state?.users ?? 0,
      groups: state?.groups ?? 0,
    };
  }

  private async syncOnce(): Promise<SyncOutcome> {
    const { directory, orm } = this.options;
    const attemptedAt = new Date();
    let snapshot: DirectorySnapshot;
    try {
      snapshot = await directory.snapshot();
    } catch (error) {
      const message = (error as Error).message;
      // The copy stays as it is: the API keeps answering from it and says it is stale.
      await orm.em.fork().nativeUpdate(SyncStateEntity, { id: SYNC_STATE_ID }, { lastAttemptAt: attemptedAt, lastError: message, directoryKind: directory.kind });
      this.log.warn({ err: error }, 'directory unavailable; serving the last copy');
      return { ok: false, users: 0, groups: 0, left: [], error: message };
    }

    const { changed, left } = await orm.em.fork().transactional((em) => this.replaceCopy(em, snapshot, attemptedAt));
    await orm.em.fork().nativeUpdate(
      SyncStateEntity,
      { id: SYNC_STATE_ID },
      { lastAttemptAt: attemptedAt, lastSuccessAt: attemptedAt, lastError: null, users: snapshot.users.length, groups: snapshot.groups.length, directoryKind: directory.kind },
    );
    if (changed.length > 0) {
      const message: PrincipalsChanged = { usernames: changed };
      await this.options.bus.publish(PRINCIPALS_CHANGED_CHANNEL, message).catch((error) => this.log.warn({ err: error }, 'principal change not published'));
    }
    // Both look at the state, not at this sync's news, so one that failed last time is done now.
    await this.options.apiTokens.revokeTokensOfInactiveUsers();
    await this.options.siteAccess.reportSitesWithoutAdmin();
    if (left.length > 0) this.log.info({ left }, 'people left the directory; marked inactive');
    return { ok: true, users: snapshot.users.length, groups: snapshot.groups.length, left };
  }

  /** Replaces the copy in one transaction; returns who changed (groups or standing) and who left. */
  private async replaceCopy(em: EntityManager, snapshot: DirectorySnapshot, now: Date) {
    const memberships = resolveGroupMemberships(snapshot);
    const listed = new Set(snapshot.users.map((user) => user.username));
    const groupIds = new Set(snapshot.groups.map((group) => group.id));

    const before = await em.find(UserEntity, {}, { fields: ['username', 'active'] });
    const previousGroups = new Map<string, string>();
    for (const row of await em.find(MembershipEntity, {})) {
      previousGroups.set(row.username, `${previousGroups.get(row.username) ?? ''}${row.groupId}\n`);
    }

    if (snapshot.users.length > 0) {
      await em.upsertMany(
        UserEntity,
        snapshot.users.map((user) => ({
          username: user.username,
          displayName: user.displayName,
          mail: user.mail,
          uidNumber: user.uidNumber,
          gidNumber: user.gidNumber,
          active: true,
          leftAt: null,
          syncedAt: now,
          searchText: [user.username, user.displayName, user.mail ?? ''].join(' ').toLowerCase(),
        })),
      );
    }
    const left = before.filter((user) => user.active && !listed.has(user.username)).map((user) => user.username);
    if (left.length > 0) await em.nativeUpdate(UserEntity, { username: { $in: left } }, { active: false, leftAt: now });

    await em.nativeDelete(GroupEntity, { id: { $nin: [...groupIds] } });
    if (snapshot.groups.length > 0) {
      await em.upsertMany(
        GroupEntity,
        snapshot.groups.map((group) => ({
          id: group.id,
          name: group.name,
          description: group.description,
          syncedAt: now,
          searchText: [group.id, group.name, group.description ?? ''].join(' ').toLowerCase(),
        })),
      );
    }
    await em.nativeDelete(GroupMemberEntity, {});
    await em.nativeDelete(GroupSubgroupEntity, {});
    await em.nativeDelete(MembershipEntity, {});
    const direct = snapshot.groups.flatMap((group) =>
      [...new Set(group.members)].filter((username) => listed.has(username)).map((username) => ({ groupId: group.id, username })),
    );
    const nested = snapshot.groups.flatMap((group) =>
      [...new Set(group.memberGroups)].filter((id) => groupIds.has(id)).map((memberGroupId) => ({ groupId: group.id, memberGroupId })),
    );
    const effective = [...listed].flatMap((username) => memberships.groupsOf(username).map((groupId) => ({ username, groupId })));
    await insertInChunks(em, GroupMemberEntity, direct);
    await insertInChunks(em, GroupSubgroupEntity, nested);
    await insertInChunks(em, MembershipEntity, effective);

    const currentGroups = new Map<string, string>();
    for (const row of effective) currentGroups.set(row.username, `${currentGroups.get(row.username) ?? ''}${row.groupId}\n`);
    const reactivated = before.filter((user) => !user.active && listed.has(user.username)).map((user) => user.username);
    const regrouped = [...new Set([...previousGroups.keys(), ...currentGroups.keys()])].filter(
      (username) => previousGroups.get(username) !== currentGroups.get(username),
    );
    return { changed: [...new Set([...left, ...reactivated, ...regrouped])].sort(), left };
  }

  private async takeLease(owner: string): Promise<boolean> {
    const em = this.options.orm.em.fork();
    const now = new Date();
    if (!(await em.findOne(SyncStateEntity, { id: SYNC_STATE_ID }))) {
      await em.upsert(SyncStateEntity, { id: SYNC_STATE_ID, users: 0, groups: 0 } as SyncState, { onConflictAction: 'ignore' });
    }
    const taken = await em.nativeUpdate(
      SyncStateEntity,
      { id: SYNC_STATE_ID, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
      { leaseOwner: owner, leaseUntil: new Date(now.getTime() + (this.options.leaseMs ?? 5 * 60_000)) },
    );
    return taken === 1;
  }

  private async releaseLease(owner: string) {
    await this.options.orm.em.fork().nativeUpdate(SyncStateEntity, { id: SYNC_STATE_ID, leaseOwner: owner }, { leaseOwner: null, leaseUntil: null });
  }
}

/** Large directories make long lists; databases cap the parameters of one statement. */
async function insertInChunks(em: EntityManager, entity: any, rows: object[], size = 500) {
  for (let i = 0; i < rows.length; i += size) await em.insertMany(entity, rows.slice(i, i + size));
}
