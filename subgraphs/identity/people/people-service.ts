import type { MikroORM } from '@mikro-orm/core';
import { notFound } from '../../../core/errors.js';
import { decodeCursor, pageSize, toPage, type Page } from '../../../core/graphql/connection.js';
import type { Principal } from '../../../core/principal.js';
import { GroupEntity, GroupMemberEntity, GroupSubgroupEntity, MembershipEntity, UserEntity, type Group, type User } from './people-entities.js';

/** A person as the API shows them: from the directory copy, or from their token when the directory does not know them. */
export interface Person {
  username: string;
  displayName: string;
  mail: string | null;
  uidNumber: number | null;
  gidNumber: number | null;
  active: boolean;
  leftAt: Date | null;
  syncedAt: Date | null;
  inDirectory: boolean;
}

/** What a gateway needs to know about a caller to sign their principal. */
export interface PrincipalFacts {
  /** False for someone the directory has never listed (a dev token's user, a service). */
  known: boolean;
  active: boolean;
  /** Every group they belong to, nested groups followed. */
  groups: string[];
}

/** A group as the API shows it. */
export interface GroupView {
  id: string;
  name: string;
  description: string | null;
  syncedAt: Date;
}

const toGroupView = (group: Group): GroupView => ({ id: group.id, name: group.name, description: group.description ?? null, syncedAt: group.syncedAt });

export const toPerson = (user: User): Person => ({
  username: user.username,
  displayName: user.displayName,
  mail: user.mail ?? null,
  uidNumber: user.uidNumber ?? null,
  gidNumber: user.gidNumber ?? null,
  active: user.active,
  leftAt: user.leftAt ?? null,
  syncedAt: user.syncedAt,
  inDirectory: true,
});

/** Someone the directory has never listed: a dev token's user, say. */
const outsider = (username: string): Person => ({
  username,
  displayName: username,
  mail: null,
  uidNumber: null,
  gidNumber: null,
  active: true,
  leftAt: null,
  syncedAt: null,
  inDirectory: false,
});

/** Lower-cased and stripped of LIKE's wildcards, so a search means what it says. */
const likePattern = (search: string) => `%${search.toLowerCase().replace(/[%_\\]/g, '')}%`;

/** Reads the copy of the directory; only the directory sync writes it. */
export class PeopleService {
  constructor(
    private readonly orm: MikroORM,
    private readonly adminGroups: readonly string[],
  ) {}

  async findUser(username: string): Promise<User | null> {
    return this.orm.em.fork().findOne(UserEntity, { username });
  }

  async user(username: string): Promise<Person> {
    const user = await this.findUser(username);
    if (!user) throw notFound('User', username);
    return toPerson(user);
  }

  /** The caller as the directory knows them, or as their token describes them. */
  async me(principal: Principal): Promise<Person> {
    const user = await this.findUser(principal.username);
    return user ? toPerson(user) : outsider(principal.username);
  }

  /** People by username, in that order; someone the directory does not know is shown by name only. */
  async peopleNamed(usernames: string[]): Promise<Person[]> {
    if (usernames.length === 0) return [];
    const users = await this.orm.em.fork().find(UserEntity, { username: { $in: usernames } });
    const byName = new Map(users.map((user) => [user.username, toPerson(user)]));
    return usernames.map((username) => byName.get(username) ?? outsider(username));
  }

  async groupsNamed(ids: string[]): Promise<GroupView[]> {
    if (ids.length === 0) return [];
    const groups = await this.orm.em.fork().find(GroupEntity, { id: { $in: ids } });
    const byId = new Map(groups.map((group) => [group.id, toGroupView(group)]));
    // A group the directory dropped still shows, so a grant to it can be seen and revoked.
    return ids.map((id) => byId.get(id) ?? { id, name: id, description: null, syncedAt: new Date(0) });
  }

  async users(filter: { search?: string | null; active?: boolean | null }, first?: number | null, after?: string | null): Promise<Page<Person>> {
    const limit = pageSize(first);
    const where = {
      ...(filter.search ? { searchText: { $like: likePattern(filter.search) } } : {}),
      ...(filter.active === null || filter.active === undefined ? {} : { active: filter.active }),
    };
    const cursor = after ? { username: { $gt: decodeCursor(after, ['string'])[0] as string } } : {};
    const em = this.orm.em.fork();
    const [rows, total] = await Promise.all([
      em.find(UserEntity, { ...where, ...cursor }, { orderBy: { username: 'asc' }, limit: limit + 1 }),
      em.count(UserEntity, where),
    ]);
    return toPage(rows, limit, total, (user) => [user.username], toPerson);
  }

  async findGroup(id: string): Promise<GroupView | null> {
    const group = await this.orm.em.fork().findOne(GroupEntity, { id });
    return group ? toGroupView(group) : null;
  }

  async group(id: string): Promise<GroupView> {
    const group = await this.findGroup(id);
    if (!group) throw notFound('Group', id);
    return group;
  }

  async groups(search: string | null | undefined, first?: number | null, after?: string | null): Promise<Page<GroupView>> {
    const limit = pageSize(first);
    const where = search ? { searchText: { $like: likePattern(search) } } : {};
    const cursor = after ? { id: { $gt: decodeCursor(after, ['string'])[0] as string } } : {};
    const em = this.orm.em.fork();
    const [rows, total] = await Promise.all([
      em.find(GroupEntity, { ...where, ...cursor }, { orderBy: { id: 'asc' }, limit: limit + 1 }),
      em.count(GroupEntity, where),
    ]);
    return toPage(rows, limit, total, (group) => [group.id], toGroupView);
  }

  /** Ids of the groups a person belongs to: directly only, or with nested groups followed. */
  async groupIdsOf(username: string, direct = false): Promise<string[]> {
    const em = this.orm.em.fork();
    const rows = direct
      ? await em.find(GroupMemberEntity, { username }, { orderBy: { groupId: 'asc' } })
      : await em.find(MembershipEntity, { username }, { orderBy: { groupId: 'asc' } });
    return rows.map((row) => row.groupId);
  }

  async groupsOf(username: string, direct = false): Promise<GroupView[]> {
    return this.groupsNamed(await this.groupIdsOf(username, direct));
  }

  /** People in a group: its direct members, or everyone in it through nested groups too. */
  async membersOf(groupId: string, nested = false): Promise<Person[]> {
    const em = this.orm.em.fork();
    const rows = nested ? await em.find(MembershipEntity, { groupId }) : await em.find(GroupMemberEntity, { groupId });
    const usernames = rows.map((row) => row.username);
    if (usernames.length === 0) return [];
    const users = await em.find(UserEntity, { username: { $in: usernames } }, { orderBy: { username: 'asc' } });
    return users.map(toPerson);
  }

  async memberGroupsOf(groupId: string): Promise<GroupView[]> {
    const rows = await this.orm.em.fork().find(GroupSubgroupEntity, { groupId }, { orderBy: { memberGroupId: 'asc' } });
    return this.groupsNamed(rows.map((row) => row.memberGroupId));
  }

  async principalFacts(username: string): Promise<PrincipalFacts> {
    const user = await this.findUser(username);
    if (!user) return { known: false, active: true, groups: [] };
    return { known: true, active: user.active, groups: user.active ? await this.groupIdsOf(username) : [] };
  }

  isPlatformAdminGroup(groupId: string): boolean {
    return this.adminGroups.includes(groupId);
  }
}
