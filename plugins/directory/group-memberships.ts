import type { DirectorySnapshot } from './directory.js';

/**
 * Who belongs to which group once nested groups are followed: a member of `editors`, itself a
 * member group of `webmasters`, belongs to both. Directories allow membership cycles (A ∋ B ∋ A);
 * every walk here keeps a visited set, so a cycle ends and yields each group once. Walks are
 * iterative, so a chain thousands of groups deep cannot overflow the stack.
 */
export interface GroupMemberships {
  /** Ids of the groups `username` belongs to, directly or through nested groups, sorted. */
  groupsOf(username: string): string[];
  /** Usernames of everyone in `groupId`, directly or through its member groups, sorted. */
  membersOf(groupId: string): string[];
}

export function resolveGroupMemberships(snapshot: DirectorySnapshot): GroupMemberships {
  const groupsById = new Map(snapshot.groups.map((group) => [group.id, group]));
  /** For each group, the groups that list it in memberGroups: the way up. */
  const containers = new Map<string, string[]>();
  const directGroupsOfUser = new Map<string, string[]>();
  for (const group of snapshot.groups) {
    for (const child of group.memberGroups) {
      if (!groupsById.has(child)) continue;
      const list = containers.get(child);
      if (list) list.push(group.id);
      else containers.set(child, [group.id]);
    }
    for (const username of group.members) {
      const list = directGroupsOfUser.get(username);
      if (list) list.push(group.id);
      else directGroupsOfUser.set(username, [group.id]);
    }
  }

  // Users share groups, so each group's way up is walked once and reused.
  const enclosingGroups = new Map<string, string[]>();
  const enclosingGroupsOf = (groupId: string) => {
    let found = enclosingGroups.get(groupId);
    if (!found) {
      found = walk(groupId, (id) => containers.get(id) ?? []);
      enclosingGroups.set(groupId, found);
    }
    return found;
  };

  const groupsByUser = new Map<string, string[]>();
  for (const [username, direct] of directGroupsOfUser) {
    const all = new Set<string>();
    for (const groupId of direct) for (const id of enclosingGroupsOf(groupId)) all.add(id);
    groupsByUser.set(username, [...all].sort());
  }

  return {
    groupsOf: (username) => groupsByUser.get(username) ?? [],
    membersOf(groupId) {
      if (!groupsById.has(groupId)) return [];
      const members = new Set<string>();
      for (const id of walk(groupId, (id) => groupsById.get(id)?.memberGroups ?? [])) {
        for (const username of groupsById.get(id)?.members ?? []) members.add(username);
      }
      return [...members].sort();
    },
  };
}

/** `start` and every group reachable from it through `next`, each once. */
function walk(start: string, next: (groupId: string) => readonly string[]): string[] {
  const seen = new Set([start]);
  const pending = [start];
  while (pending.length > 0) {
    for (const id of next(pending.pop()!)) {
      if (seen.has(id)) continue;
      seen.add(id);
      pending.push(id);
    }
  }
  return [...seen];
}
