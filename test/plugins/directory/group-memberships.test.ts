import { describe, expect, it } from 'vitest';
import type { DirectoryGroup, DirectorySnapshot } from '../../../plugins/directory/directory.js';
import { resolveGroupMemberships } from '../../../plugins/directory/group-memberships.js';

const group = (id: string, members: string[], memberGroups: string[] = []): DirectoryGroup => ({ id, name: id, description: null, members, memberGroups });
const snapshotOf = (...groups: DirectoryGroup[]): DirectorySnapshot => ({ users: [], groups });

describe('resolveGroupMemberships', () => {
  it('gives direct groups and the groups that contain them', () => {
    const memberships = resolveGroupMemberships(
      snapshotOf(group('webmasters', ['alice'], ['editors']), group('editors', ['carol'], ['interns']), group('interns', ['ivan']), group('other', ['bob'])),
    );
    expect(memberships.groupsOf('alice')).toEqual(['webmasters']);
    expect(memberships.groupsOf('carol')).toEqual(['editors', 'webmasters']);
    expect(memberships.groupsOf('ivan')).toEqual(['editors', 'interns', 'webmasters']);
    expect(memberships.groupsOf('bob')).toEqual(['other']);
    expect(memberships.groupsOf('nobody')).toEqual([]);
    expect(memberships.membersOf('webmasters')).toEqual(['alice', 'carol', 'ivan']);
    expect(memberships.membersOf('interns')).toEqual(['ivan']);
    expect(memberships.membersOf('missing')).toEqual([]);
  });

  it('ends a membership cycle and yields each group once', () => {
    const memberships = resolveGroupMemberships(
      snapshotOf(group('a', ['alice'], ['b']), group('b', ['bob'], ['c']), group('c', ['carol'], ['a']), group('self', ['sam'], ['self'])),
    );
    for (const username of ['alice', 'bob', 'carol']) expect(memberships.groupsOf(username)).toEqual(['a', 'b', 'c']);
    expect(memberships.membersOf('b')).toEqual(['alice', 'bob', 'carol']);
    expect(memberships.groupsOf('sam')).toEqual(['self']);
    expect(memberships.membersOf('self')).toEqual(['sam']);
  });

  it('follows a chain thousands of groups deep without overflowing the stack', () => {
    const depth = 20_000;
    // level-0 ∋ level-1 ∋ … ∋ level-4999, whose only member is deep.
    const groups = Array.from({ length: depth }, (_, level) => group(`level-${level}`, level === depth - 1 ? ['deep'] : [], level < depth - 1 ? [`level-${level + 1}`] : []));
    const memberships = resolveGroupMemberships(snapshotOf(...groups));
    const groupsOfDeep = memberships.groupsOf('deep');
    expect(groupsOfDeep).toHaveLength(depth);
    expect(new Set(groupsOfDeep).size).toBe(depth);
    expect(memberships.membersOf('level-0')).toEqual(['deep']);
  });

  it('ignores member groups the snapshot does not hold, and repeated memberships', () => {
    const memberships = resolveGroupMemberships(snapshotOf(group('a', ['alice', 'alice'], ['gone', 'b']), group('b', ['alice'], ['gone'])));
    expect(memberships.groupsOf('alice')).toEqual(['a', 'b']);
    expect(memberships.membersOf('a')).toEqual(['alice']);
  });

  it('resolves thousands of users in many overlapping groups', () => {
    const users = 5000;
    const departments = Array.from({ length: 50 }, (_, d) =>
      group(`department-${d}`, Array.from({ length: users / 50 }, (_, i) => `user-${d * (users / 50) + i}`), ['everyone-nested']),
    );
    const faculty = group('faculty', [], departments.map((department) => department.id));
    const memberships = resolveGroupMemberships(snapshotOf(...departments, faculty, group('everyone-nested', ['user-0'])));
    expect(memberships.groupsOf('user-4999')).toEqual(['department-49', 'faculty']);
    expect(memberships.groupsOf('user-0')).toEqual([...departments.map((department) => department.id), 'everyone-nested', 'faculty'].sort());
    expect(memberships.membersOf('faculty')).toHaveLength(users);
  });
});
