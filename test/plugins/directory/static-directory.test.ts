import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectory } from '../../../plugins/directory/create-directory.js';
import { DirectoryUnavailable } from '../../../plugins/directory/directory.js';
import { resolveGroupMemberships } from '../../../plugins/directory/group-memberships.js';
import { InvalidDirectoryFile } from '../../../plugins/directory/static/directory-file.js';

const EXAMPLE = 'plugins/directory/static/example-directory.yaml';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'static-directory-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` as a directory file and returns what reading it throws. */
async function readFailure(text: string): Promise<InvalidDirectoryFile> {
  const file = join(dir, 'directory.yaml');
  writeFileSync(file, text);
  const error = await createDirectory({ kind: 'static', file }).snapshot().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(InvalidDirectoryFile);
  expect(error).toBeInstanceOf(DirectoryUnavailable);
  return error as InvalidDirectoryFile;
}

describe('static directory', () => {
  it('reads the example file, with dev among the webmasters', async () => {
    const directory = createDirectory({ kind: 'static', file: EXAMPLE });
    expect(directory.kind).toBe('static');
    const snapshot = await directory.snapshot();
    expect(snapshot.users.find((user) => user.username === 'dev')).toEqual({
      username: 'dev',
      displayName: 'Dev Eloper',
      mail: 'dev@example.org',
      uidNumber: 10000,
      gidNumber: 10000,
    });
    expect(snapshot.users.find((user) => user.username === 'chloe')?.displayName).toBe('Chloé Durand');
    const webmasters = snapshot.groups.find((group) => group.id === 'webmasters');
    expect(webmasters).toMatchObject({ name: 'Webmasters', members: expect.arrayContaining(['dev']), memberGroups: ['editors'] });
    expect(resolveGroupMemberships(snapshot).groupsOf('bob')).toEqual(['editors', 'webmasters']);
    await directory.close();
  });

  it('fills what may be left out, and reads the file again at each snapshot', async () => {
    const file = join(dir, 'minimal.yaml');
    writeFileSync(file, 'users:\n  - username: solo\n');
    const directory = createDirectory({ kind: 'static', file });
    expect(await directory.snapshot()).toEqual({
      users: [{ username: 'solo', displayName: 'solo', mail: null, uidNumber: null, gidNumber: null }],
      groups: [],
    });
    writeFileSync(file, 'users:\n  - username: solo\ngroups:\n  - id: team\n    members: [solo]\n');
    expect((await directory.snapshot()).groups).toEqual([{ id: 'team', name: 'team', description: null, members: ['solo'], memberGroups: [] }]);
  });

  it('names the line, the entry and the field of every mistake', async () => {
    const error = await readFailure(
      [
        'users:', //                                      1
        '  - username: alice', //                         2
        '    uidNumber: -3', //                           3
        '  - displayName: No Name', //                    4
        '  - username: bob', //                           5
        '    mail: not-an-address', //                    6
        '    shell: /bin/zsh', //                         7
        '  - username: alice', //                         8
        'groups:', //                                     9
        '  - id: staff', //                              10
        '    members: [alice, zoe]', //                  11
        '    memberGroups: [ghosts]', //                 12
        '  - id: two words', //                          13
        '  - name: Unnamed', //                          14
        '    members: alice', //                         15
      ].join('\n'),
    );
    expect(error.problems).toEqual([
      'line 3: users[0] "alice": uidNumber must be a whole number from 0 to 4294967294, not -3',
      'line 4: users[1]: username is missing',
      'line 6: users[2] "bob": mail must be an address like name@example.org, not "not-an-address"',
      'line 7: users[2] "bob": unknown field "shell" (known: username, displayName, mail, uidNumber, gidNumber)',
      'line 8: users[3]: user "alice" appears more than once',
      'line 11: groups[0] "staff": members names "zoe", who is not among the users',
      'line 12: groups[0] "staff": memberGroups names "ghosts", which is not among the groups',
      'line 13: groups[1]: id must be a word without spaces, not "two words"',
      'line 14: groups[2]: id is missing',
      'line 15: groups[2]: members must be a list of names, like [alice, bob]',
    ]);
    expect(error.message).toContain(`${join(dir, 'directory.yaml')} is not a valid directory file:`);
  });

  it('reports YAML syntax errors with their position, and a file of the wrong shape', async () => {
    const syntax = await readFailure('users:\n  - username: alice\n    displayName: "unterminated\n');
    expect(syntax.problems[0]).toMatch(/^Missing closing "quote at line \d+, column \d+/);
    expect((await readFailure('- alice\n- bob\n')).problems).toEqual(['line 1: the file must be a mapping with the keys users and groups']);
    expect((await readFailure('users: alice\npeople: []\n')).problems).toEqual([
      'line 1: users must be a list (entries starting with "- ")',
      'line 2: the file: unknown field "people" (known: users, groups)',
    ]);
  });

  it('is unavailable, not empty, when the file is missing', async () => {
    const file = join(dir, 'missing.yaml');
    await expect(createDirectory({ kind: 'static', file }).snapshot()).rejects.toThrow(DirectoryUnavailable);
    await expect(createDirectory({ kind: 'static', file }).snapshot()).rejects.toThrow(`cannot read the directory file ${file}: ENOENT`);
  });
});
