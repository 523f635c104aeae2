import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The identity subgraph's copy of the directory: written only by the directory sync, read by
 * everything else, so the API keeps answering while the directory is down.
 */

export const UserEntity = defineEntity({
  name: 'IdentityUser',
  tableName: 'identity_users',
  properties: {
    username: p.string().length(255).primary(),
    displayName: p.string().length(255),
    mail: p.string().length(255).nullable(),
    uidNumber: p.bigint('number').nullable(),
    gidNumber: p.bigint('number').nullable(),
    /** False once the person left the directory; their row stays so grants and the audit log still name them. */
    active: p.boolean().index(),
    leftAt: p.datetime().nullable(),
    /** When the directory last listed this person. */
    syncedAt: p.datetime(),
    /** Username, display name and mail in lower case, for `users(search)` on every database. */
    searchText: p.text(),
  },
});
export type User = InferEntity<typeof UserEntity>;

export const GroupEntity = defineEntity({
  name: 'IdentityGroup',
  tableName: 'identity_groups',
  properties: {
    id: p.string().length(255).primary(),
    name: p.string().length(255),
    description: p.text().nullable(),
    syncedAt: p.datetime(),
    searchText: p.text(),
  },
});
export type Group = InferEntity<typeof GroupEntity>;

/** Direct members of a group, as the directory lists them. */
export const GroupMemberEntity = defineEntity({
  name: 'IdentityGroupMember',
  tableName: 'identity_group_members',
  properties: {
    groupId: p.string().length(255).primary(),
    username: p.string().length(255).primary().index(),
  },
  primaryKeys: ['groupId', 'username'],
});

/** Groups listed as members of another group (nesting), as the directory lists them. */
export const GroupSubgroupEntity = defineEntity({
  name: 'IdentityGroupSubgroup',
  tableName: 'identity_group_subgroups',
  properties: {
    groupId: p.string().length(255).primary(),
    memberGroupId: p.string().length(255).primary().index(),
  },
  primaryKeys: ['groupId', 'memberGroupId'],
});

/** Every group a person belongs to, nested groups followed: computed at each sync, read per request. */
export const MembershipEntity = defineEntity({
  name: 'IdentityMembership',
  tableName: 'identity_memberships',
  properties: {
    username: p.string().length(255).primary(),
    groupId: p.string().length(255).primary().index(),
  },
  primaryKeys: ['username', 'groupId'],
});
