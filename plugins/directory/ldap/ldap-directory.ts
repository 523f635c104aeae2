import { Client, ResultCodeError, type Entry } from 'ldapts';
import type { Logger } from '../../../core/logger.js';
import { DirectoryUnavailable, type Directory, type DirectoryGroup, type DirectorySnapshot, type DirectoryUser } from '../directory.js';
import { distinguishedNameKey } from './distinguished-name.js';
import {
  DEFAULT_GROUP_ATTRIBUTES,
  DEFAULT_USER_ATTRIBUTES,
  GROUP_KIND_DEFAULTS,
  type GroupAttributeNames,
  type LdapDirectoryConfig,
  type UserAttributeNames,
} from './ldap-directory-config.js';

/** A member the snapshot leaves out: a DN or username that names no user or group that was read. */
export interface UnresolvedMember {
  group: string;
  member: string;
}

export interface LdapSnapshot extends DirectorySnapshot {
  /**
   * Members left out because they name nobody read: people who left (without the refint overlay
   * their DN stays in `member`), or entries outside the user base. Also logged, as a count.
   */
  unresolvedMembers: UnresolvedMember[];
}

type GroupKind = keyof typeof GROUP_KIND_DEFAULTS;

interface GroupEntry {
  id: string;
  dnKey: string;
  name: string;
  description: string | null;
  memberDns: string[];
  memberUids: string[];
}

/**
 * Reads the whole directory with a fresh connection per snapshot (a sync every few minutes does
 * not need a pool, and a restarted server is simply found again). Every search is paged, and a
 * snapshot is all or nothing: a failure part-way, or a user search that finds no one, throws
 * rather than return a directory with people missing, which the identity subgraph would take for
 * departures.
 */
export class LdapDirectory implements Directory {
  readonly kind = 'ldap';
  private readonly userAttributes: UserAttributeNames;
  private readonly groupAttributes: GroupAttributeNames;

  constructor(
    private readonly config: LdapDirectoryConfig,
    private readonly logger?: Logger,
  ) {
    this.userAttributes = { ...DEFAULT_USER_ATTRIBUTES, ...config.users.attributes };
    this.groupAttributes = { ...DEFAULT_GROUP_ATTRIBUTES, ...config.groups?.attributes };
  }

  async snapshot(): Promise<LdapSnapshot> {
    const timeout = this.config.timeoutMs ?? 10_000;
    const client = new Client({ url: this.config.url, timeout, connectTimeout: timeout });
    try {
      if (this.config.bindDn !== undefined) {
        await this.step(`bind as ${this.config.bindDn}`, () => client.bind(this.config.bindDn!, this.config.bindPassword ?? ''));
      }
      const users = await this.readUsers(client);
      const groups = await this.readGroups(client);
      const snapshot = resolveMembers(users, groups);
      if (snapshot.unresolvedMembers.length > 0) {
        this.logger?.info(
          { url: this.config.url, unresolvedMembers: snapshot.unresolvedMembers.length, example: snapshot.unresolvedMembers[0] },
          'group members that name no user or group read from the directory were left out',
        );
      }
      return snapshot;
    } finally {
      await client.unbind().catch(() => {});
    }
  }

  async close() {}

  private async readUsers(client: Client) {
    const names = this.userAttributes;
    const entries = await this.search(client, this.config.users.baseDn, this.config.users.filter ?? '(objectClass=inetOrgPerson)', [
      names.username,
      ...names.displayName,
      names.mail,
      names.uidNumber,
      names.gidNumber,
    ]);
    if (entries.length === 0) {
      // Everyone gone at once is an ACL or filter mistake, not a mass departure.
      throw new DirectoryUnavailable(
        `LDAP server ${this.config.url} returned no one for the search of ${this.config.users.baseDn}${this.config.bindDn ? ` as ${this.config.bindDn}` : ' (anonymous)'}; check the filter and that this bind may read people`,
      );
    }
    const byDnKey = new Map<string, DirectoryUser>();
    const usernames = new Set<string>();
    let skipped = 0;
    for (const entry of entries) {
      const username = firstValue(entry, names.username);
      if (!username || usernames.has(username)) {
        skipped++;
        continue;
      }
      usernames.add(username);
      byDnKey.set(distinguishedNameKey(entry.dn), {
        username,
        displayName: names.displayName.map((name) => firstValue(entry, name)).find(Boolean) ?? username,
        mail: firstValue(entry, names.mail) ?? null,
        uidNumber: idNumber(firstValue(entry, names.uidNumber)),
        gidNumber: idNumber(firstValue(entry, names.gidNumber)),
      });
    }
    if (skipped > 0) {
      this.logger?.warn({ url: this.config.url, skipped, attribute: names.username }, 'user entries without a username, or repeating one, were left out');
    }
    return byDnKey;
  }

  private async readGroups(client: Client) {
    const byDnKey = new Map<string, GroupEntry>();
    for (const kind of Object.keys(GROUP_KIND_DEFAULTS) as GroupKind[]) {
      const search = this.config.groups?.[kind];
      if (!search) continue;
      const filter = search.filter ?? GROUP_KIND_DEFAULTS[kind].filter;
      const memberAttribute = search.memberAttribute ?? GROUP_KIND_DEFAULTS[kind].memberAttribute;
      const names = this.groupAttributes;
      for (const baseDn of search.baseDns) {
        for (const entry of await this.search(client, baseDn, filter, [names.id, names.name, names.description, memberAttribute])) {
          const id = firstValue(entry, names.id);
          if (!id) continue;
          const dnKey = distinguishedNameKey(entry.dn);
          // One entry may be found by both searches (rfc2307bis: groupOfNames + posixGroup).
          const group = byDnKey.get(dnKey) ?? {
            id,
            dnKey,
            name: firstValue(entry, names.name) ?? id,
            description: firstValue(entry, names.description) ?? null,
            memberDns: [],
            memberUids: [],
          };
          (kind === 'groupOfNames' ? group.memberDns : group.memberUids).push(...values(entry, memberAttribute));
          byDnKey.set(dnKey, group);
        }
      }
    }
    return byDnKey;
  }

  private search(client: Client, baseDn: string, filter: string, attributes: string[]): Promise<Entry[]> {
    return this.step(`search of ${baseDn} for ${filter}`, async () => {
      const { searchEntries } = await client.search(baseDn, {
        scope: 'sub',
        filter,
        attributes: [...new Set(attributes)],
        paged: { pageSize: this.config.pageSize ?? 500 },
      });
      return searchEntries;
    });
  }

  /** Runs one LDAP operation; a failure becomes DirectoryUnavailable in the server's own words. */
  private async step<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      const where = `LDAP server ${this.config.url}`;
      if (error instanceof ResultCodeError) {
        throw new DirectoryUnavailable(`${where} refused the ${what}: ${resultWords(error)}`, { cause: error });
      }
      throw new DirectoryUnavailable(`${where} could not be reached for the ${what}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Turns member DNs and usernames into the snapshot's usernames and nested group ids. */
function resolveMembers(usersByDnKey: Map<string, DirectoryUser>, groupsByDnKey: Map<string, GroupEntry>): LdapSnapshot {
  const users = [...usersByDnKey.values()];
  const usernames = new Set(users.map((user) => user.username));
  const unresolvedMembers: UnresolvedMember[] = [];
  const groups: DirectoryGroup[] = [];
  const ids = new Set<string>();
  for (const entry of groupsByDnKey.values()) {
    // Two entries with one cn cannot both be "the" group; the first found keeps the id.
    if (ids.has(entry.id)) continue;
    ids.add(entry.id);
    const members = new Set<string>();
    const memberGroups = new Set<string>();
    for (const dn of entry.memberDns) {
      const dnKey = distinguishedNameKey(dn);
      const user = usersByDnKey.get(dnKey);
      const group = groupsByDnKey.get(dnKey);
      if (user) members.add(user.username);
      else if (group && dnKey !== entry.dnKey) memberGroups.add(group.id);
      else if (!group) unresolvedMembers.push({ group: entry.id, member: dn });
    }
    for (const username of entry.memberUids) {
      if (usernames.has(username)) members.add(username);
      else unresolvedMembers.push({ group: entry.id, member: username });
    }
    groups.push({ id: entry.id, name: entry.name, description: entry.description, members: [...members], memberGroups: [...memberGroups] });
  }
  return { users, groups, unresolvedMembers };
}

/**
 * The result's name and the server's diagnostic text. OpenLDAP often sends no text (a wrong
 * password has none), and ldapts appends " Code: 0x31" to whatever came, so that part is dropped.
 */
function resultWords(error: ResultCodeError): string {
  const name = error.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const diagnostic = error.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
  return `${name} (LDAP result ${error.code})${diagnostic ? `: ${diagnostic}` : ''}`;
}

/** An attribute's values as text, whatever the case the server spelled its name in. */
function values(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((name) => name.toLowerCase() === wanted && name !== 'dn');
  const value = key === undefined ? [] : entry[key]!;
  return (Array.isArray(value) ? value : [value]).map((item) => item.toString());
}

const firstValue = (entry: Entry, attribute: string): string | undefined => values(entry, attribute)[0];

function idNumber(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}
