import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { DirectoryUnavailable, type DirectoryGroup, type DirectorySnapshot, type DirectoryUser } from '../directory.js';

/**
 * The static directory's YAML file:
 *
 *   users:
 *     - { username: dev, displayName: Dev Eloper, mail: dev@example.org, uidNumber: 10000, gidNumber: 10000 }
 *   groups:
 *     - { id: webmasters, name: Webmasters, description: …, members: [dev], memberGroups: [] }
 *
 * Only username and id are required. Every mistake is reported with its line, its entry and its
 * field, all at once, so an operator fixes the file in one go.
 */

/** The file cannot be used as it is; the last good copy stays in use, as when a server is down. */
export class InvalidDirectoryFile extends DirectoryUnavailable {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid directory file:\n  ${problems.join('\n  ')}`);
    this.name = 'InvalidDirectoryFile';
  }
}

type Path = (string | number)[];

const USER_FIELDS = ['username', 'displayName', 'mail', 'uidNumber', 'gidNumber'];
const GROUP_FIELDS = ['id', 'name', 'description', 'members', 'memberGroups'];
const MAX_ID_NUMBER = 2 ** 32 - 2; // 2^32-1 is (uid_t)-1, "no id", to the kernel

export function parseDirectoryFile(text: string, file: string): DirectorySnapshot {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  if (document.errors.length > 0) throw new InvalidDirectoryFile(file, document.errors.map((error) => error.message));
  const reader = new FileReader(document, lineCounter);
  const snapshot = reader.read();
  if (reader.problems.length > 0) throw new InvalidDirectoryFile(file, reader.problems.sort(byLine));
  return snapshot;
}

class FileReader {
  readonly problems: string[] = [];

  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  read(): DirectorySnapshot {
    const root: unknown = this.document.toJS() ?? {};
    if (!isRecord(root)) {
      this.problem([], 'the file must be a mapping with the keys users and groups');
      return { users: [], groups: [] };
    }
    this.refuseUnknownFields(root, [], 'the file', ['users', 'groups']);
    const users = this.entries(root, 'users', (entry, path) => this.user(entry, path));
    const usernames = new Set<string>();
    for (const { index, value: user } of users) {
      if (usernames.has(user.username)) this.problem(['users', index, 'username'], `users[${index}]: user "${user.username}" appears more than once`);
      usernames.add(user.username);
    }
    const groups = this.entries(root, 'groups', (entry, path) => this.group(entry, path));
    const groupIds = new Set<string>();
    for (const { index, value: group } of groups) {
      if (groupIds.has(group.id)) this.problem(['groups', index, 'id'], `groups[${index}]: group "${group.id}" appears more than once`);
      groupIds.add(group.id);
    }
    for (const { index, value: group } of groups) {
      const where = `groups[${index}] "${group.id}"`;
      for (const [i, username] of group.members.entries()) {
        if (!usernames.has(username)) this.problem(['groups', index, 'members', i], `${where}: members names "${username}", who is not among the users`);
      }
      for (const [i, id] of group.memberGroups.entries()) {
        if (!groupIds.has(id)) this.problem(['groups', index, 'memberGroups', i], `${where}: memberGroups names "${id}", which is not among the groups`);
      }
    }
    return { users: users.map((user) => user.value), groups: groups.map((group) => group.value) };
  }

  private user(entry: unknown, path: Path): DirectoryUser | undefined {
    if (!isRecord(entry)) return void this.problem(path, `${label(path)} must be a mapping with at least a username`);
    const username = this.identifier(entry, path, 'username');
    const where = username ? `${label(path)} "${username}"` : label(path);
    this.refuseUnknownFields(entry, path, where, USER_FIELDS);
    const mail = this.optionalText(entry, path, where, 'mail');
    if (mail !== null && !/^[^@\s]+@[^@\s]+$/.test(mail)) this.problem([...path, 'mail'], `${where}: mail must be an address like name@example.org, not "${mail}"`);
    const user = {
      username: username ?? '',
      displayName: this.optionalText(entry, path, where, 'displayName') ?? username ?? '',
      mail,
      uidNumber: this.optionalIdNumber(entry, path, where, 'uidNumber'),
      gidNumber: this.optionalIdNumber(entry, path, where, 'gidNumber'),
    };
    return username ? user : undefined;
  }

  private group(entry: unknown, path: Path): DirectoryGroup | undefined {
    if (!isRecord(entry)) return void this.problem(path, `${label(path)} must be a mapping with at least an id`);
    const id = this.identifier(entry, path, 'id');
    const where = id ? `${label(path)} "${id}"` : label(path);
    this.refuseUnknownFields(entry, path, where, GROUP_FIELDS);
    const group = {
      id: id ?? '',
      name: this.optionalText(entry, path, where, 'name') ?? id ?? '',
      description: this.optionalText(entry, path, where, 'description'),
      members: this.names(entry, path, where, 'members'),
      memberGroups: this.names(entry, path, where, 'memberGroups'),
    };
    return id ? group : undefined;
  }

  /** The valid entries of the list `field`, with their index in the file for later messages. */
  private entries<T>(record: Record<string, unknown>, field: string, read: (entry: unknown, path: Path) => T | undefined) {
    const value = record[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem([field], `${field} must be a list (entries starting with "- ")`);
      return [];
    }
    return value.flatMap((entry, index) => {
      const valid = read(entry, [field, index]);
      return valid === undefined ? [] : [{ index, value: valid }];
    });
  }

  private identifier(record: Record<string, unknown>, path: Path, field: string): string | undefined {
    const value = record[field];
    if (value === undefined || value === null) return void this.problem(path, `${label(path)}: ${field} is missing`);
    if (typeof value !== 'string' || !/^\S+$/.test(value)) {
      return void this.problem([...path, field], `${label(path)}: ${field} must be a word without spaces, not ${JSON.stringify(value)}`);
    }
    return value;
  }

  private optionalText(record: Record<string, unknown>, path: Path, where: string, field: string): string | null {
    const value = record[field];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    this.problem([...path, field], `${where}: ${field} must be text, not ${JSON.stringify(value)}`);
    return null;
  }

  private optionalIdNumber(record: Record<string, unknown>, path: Path, where: string, field: string): number | null {
    const value = record[field];
    if (value === undefined || value === null) return null;
    if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_ID_NUMBER) return value as number;
    this.problem([...path, field], `${where}: ${field} must be a whole number from 0 to ${MAX_ID_NUMBER}, not ${JSON.stringify(value)}`);
    return null;
  }

  private names(record: Record<string, unknown>, path: Path, where: string, field: string): string[] {
    const value = record[field];
    if (value === undefined || value === null) return [];
    if (Array.isArray(value) && value.every((name) => typeof name === 'string')) return value;
    this.problem([...path, field], `${where}: ${field} must be a list of names, like [alice, bob]`);
    return [];
  }

  private refuseUnknownFields(record: Record<string, unknown>, path: Path, where: string, known: string[]) {
    for (const field of Object.keys(record)) {
      if (!known.includes(field)) this.problem([...path, field], `${where}: unknown field "${field}" (known: ${known.join(', ')})`);
    }
  }

  /** Records a problem, prefixed with the line of the closest node on `path` that exists. */
  private problem(path: Path, message: string) {
    for (let length = path.length; length >= 0; length--) {
      const node: unknown = this.document.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) {
        this.problems.push(`line ${this.lineCounter.linePos(node.range[0]).line}: ${message}`);
        return;
      }
    }
    this.problems.push(message);
  }
}

/** In file order, as an operator reads them; problems without a line come last. */
const byLine = (a: string, b: string) => lineOf(a) - lineOf(b);
const lineOf = (problem: string) => Number(/^line (\d+):/.exec(problem)?.[1] ?? Infinity);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `users[2]`, the way an operator finds the entry in the file. */
const label = (path: Path) => `${path[0]}[${path[1]}]`;
