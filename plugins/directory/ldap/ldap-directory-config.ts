/** How to read people and groups from an LDAP server (OpenLDAP, 389 DS, Active Directory, …). */
export interface LdapDirectoryConfig {
  /** `ldap://host:389` or `ldaps://host:636`. */
  url: string;
  /** Omit both for an anonymous bind. */
  bindDn?: string;
  bindPassword?: string;
  users: {
    baseDn: string;
    /** Default `(objectClass=inetOrgPerson)`. */
    filter?: string;
    attributes?: Partial<UserAttributeNames>;
  };
  groups?: {
    /** Groups whose members are DNs: of people, or of other groups (nesting). */
    groupOfNames?: GroupSearch;
    /** Groups whose members are usernames (RFC 2307). */
    posixGroup?: GroupSearch;
    attributes?: Partial<GroupAttributeNames>;
  };
  /** Entries per page; servers cap plain searches (OpenLDAP 500, Active Directory 1000). Default 500. */
  pageSize?: number;
  /** Per LDAP operation and for connecting. Default 10 000 ms. */
  timeoutMs?: number;
}

export interface GroupSearch {
  baseDns: string[];
  /** Default `(objectClass=groupOfNames)` or `(objectClass=posixGroup)`. */
  filter?: string;
  /** Default `member` or `memberUid`. */
  memberAttribute?: string;
}

export interface UserAttributeNames {
  username: string;
  /** The first of these the entry has is the display name; the username otherwise. */
  displayName: string[];
  mail: string;
  uidNumber: string;
  gidNumber: string;
}

export interface GroupAttributeNames {
  /** The group's id, unique in the directory. */
  id: string;
  name: string;
  description: string;
}

export const DEFAULT_USER_ATTRIBUTES: UserAttributeNames = {
  username: 'uid',
  displayName: ['displayName', 'cn'],
  mail: 'mail',
  uidNumber: 'uidNumber',
  gidNumber: 'gidNumber',
};

export const DEFAULT_GROUP_ATTRIBUTES: GroupAttributeNames = { id: 'cn', name: 'cn', description: 'description' };

export const GROUP_KIND_DEFAULTS = {
  groupOfNames: { filter: '(objectClass=groupOfNames)', memberAttribute: 'member' },
  posixGroup: { filter: '(objectClass=posixGroup)', memberAttribute: 'memberUid' },
} as const;

/**
 * Refuses a configuration that cannot work, naming the setting: it comes from a hand-written
 * hostgraph.yaml, and a TypeError at the first sync would say nothing useful.
 */
export function checkLdapDirectoryConfig(config: LdapDirectoryConfig): void {
  const problems: string[] = [];
  const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
  if (!isText(config.url) || !/^ldaps?:\/\//i.test(config.url)) problems.push('url must be ldap://host[:port] or ldaps://host[:port]');
  if (config.bindDn !== undefined && !isText(config.bindPassword)) problems.push('bindDn is set but bindPassword is missing (set it, or LDAP_BIND_PASSWORD)');
  if (!isText(config.users?.baseDn)) problems.push('users.baseDn is missing: the DN people are under, e.g. ou=people,dc=example,dc=org');
  for (const [name, value] of Object.entries(config.users?.attributes ?? {})) {
    const valid = name === 'displayName' ? Array.isArray(value) && value.length > 0 && value.every(isText) : isText(value);
    if (!valid) problems.push(`users.attributes.${name} must be ${name === 'displayName' ? 'a list of attribute names, e.g. [displayName, cn]' : 'an attribute name'}`);
  }
  for (const [name, value] of Object.entries(config.groups?.attributes ?? {})) {
    if (!isText(value)) problems.push(`groups.attributes.${name} must be an attribute name`);
  }
  for (const kind of ['groupOfNames', 'posixGroup'] as const) {
    const search = config.groups?.[kind];
    if (search && (!Array.isArray(search.baseDns) || search.baseDns.length === 0 || !search.baseDns.every(isText))) {
      problems.push(`groups.${kind}.baseDns must be a list of DNs, e.g. [ou=groups,dc=example,dc=org]`);
    }
  }
  if (config.pageSize !== undefined && !(Number.isInteger(config.pageSize) && config.pageSize > 0)) problems.push('pageSize must be a whole number above 0');
  if (config.timeoutMs !== undefined && !(Number.isInteger(config.timeoutMs) && config.timeoutMs > 0)) problems.push('timeoutMs must be a whole number of milliseconds above 0');
  if (problems.length > 0) throw new Error(`The LDAP directory configuration cannot work:\n  ${problems.join('\n  ')}`);
}
