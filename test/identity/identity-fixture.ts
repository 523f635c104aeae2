import { afterAll, beforeAll, inject } from 'vitest';
import { stringify } from 'yaml';
import { query } from '../support/graphql-client.js';
import { startInstance, type Instance, type InstanceOptions } from '../support/hostgraph-instance.js';
import { createPostgresDatabase } from '../support/postgres-database.js';

/**
 * The people of the identity tests, each with a dev token, and the static directory they live in:
 * a web team with a nested group of interns, a membership cycle, and the platform admin group.
 */
export const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank', 'ivy'] as const;
export type Person = (typeof PEOPLE)[number];

export const tokenOf = (person: Person | 'root') => `${person}-dev-token`;

export interface DirectoryGroup {
  id: string;
  name?: string;
  description?: string;
  members?: string[];
  memberGroups?: string[];
}

export const GROUPS: DirectoryGroup[] = [
  { id: 'webteam', name: 'Web team', description: 'Runs the department sites', members: ['carol'], memberGroups: ['interns'] },
  { id: 'interns', name: 'Interns', members: ['dave'] },
  { id: 'ops', name: 'SSH operators', members: ['erin'] },
  { id: 'helpdesk', name: 'Helpdesk', members: ['frank'] },
  { id: 'hostgraph-admins', name: 'Platform admins', members: ['ivy'] },
  { id: 'cycle-a', name: 'Cycle A', members: ['gina'], memberGroups: ['cycle-b'] },
  { id: 'cycle-b', name: 'Cycle B', members: ['hank'], memberGroups: ['cycle-a'] },
];

export function directoryYaml(people: readonly string[] = PEOPLE, groups: DirectoryGroup[] = GROUPS): string {
  const present = new Set(people);
  return stringify({
    users: people.map((username, i) => ({
      username,
      displayName: username[0]!.toUpperCase() + username.slice(1),
      mail: `${username}@example.org`,
      uidNumber: 30000 + i,
      gidNumber: 30000,
    })),
    groups: groups.map((group) => ({ ...group, members: (group.members ?? []).filter((member) => present.has(member)) })),
  });
}

export const devTokens = Object.fromEntries([
  ...PEOPLE.map((person) => [tokenOf(person), { username: person }]),
  // A platform admin from configuration, whom the directory does not know.
  [tokenOf('root'), { username: 'root', admin: true }],
]);

export const DATABASES = [
  { name: 'SQLite', database: async () => ({ url: 'sqlite', drop: async () => {} }) },
  { name: 'PostgreSQL', database: () => createPostgresDatabase(inject('postgresUrl')) },
];

/** A whole Hostgraph with the identity tests' directory and tokens, on a fresh database. */
export async function startIdentityInstance(database: string, options: InstanceOptions = {}): Promise<Instance> {
  return startInstance({
    database,
    directory: directoryYaml(),
    ...options,
    settings: { devTokens, ...options.settings },
  });
}

/**
 * For a describe block: a fresh database and a whole instance on it before its tests, both gone
 * after them. `options` may be a function, for settings known only once other servers are up.
 */
export function useIdentityInstance(database: () => Promise<{ url: string; drop(): Promise<void> }>, options: InstanceOptions | (() => InstanceOptions) = {}) {
  const running = {} as { instance: Instance; databaseUrl: string };
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    running.databaseUrl = db.url;
    running.instance = await startIdentityInstance(db.url, typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await running.instance?.close();
    await drop?.();
  });
  return running;
}

/** Re-reads the directory now (as the scheduler would at its next tick). */
export async function syncDirectory(instance: Instance) {
  const data = await query(instance.url, 'mutation { syncDirectory { stale lastError users groups } }', {}, tokenOf('root'));
  return data.syncDirectory as { stale: boolean; lastError: string | null; users: number; groups: number };
}
