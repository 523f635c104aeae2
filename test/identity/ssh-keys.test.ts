import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { DATABASES, tokenOf, useIdentityInstance, type Person } from './identity-fixture.js';
import { storedRows } from './stored-rows.js';

const ADD = 'mutation ($key: String!, $comment: String) { addSshKey(key: $key, comment: $comment) { id type bits fingerprint publicKey comment createdAt } }';
const REMOVE = 'mutation ($id: ID!) { removeSshKey(id: $id) { id fingerprint } }';
const KEY_FIELDS = 'id type bits fingerprint publicKey comment';

let dir: string;
let generated = 0;

const run = promisify(execFile);

/**
 * A key pair from the real ssh-keygen, and what `ssh-keygen -lf` says of its public half. Not
 * execFileSync: a 4096-bit key takes seconds, and a blocked test process finds its keep-alive
 * connection to the gateway closed under it.
 */
async function keygen(args: string[], comment: string) {
  const file = join(dir, `key-${++generated}`);
  await run('ssh-keygen', ['-q', ...args, '-N', '', '-C', comment, '-f', file]);
  const [bits, fingerprint] = (await run('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' })).stdout.split(' ');
  return { publicKey: readFileSync(`${file}.pub`, 'utf8'), privateKey: readFileSync(file, 'utf8'), bits: Number(bits), fingerprint: fingerprint! };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssh-keys-api-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(DATABASES)('SSH keys through the gateway on $name', ({ database }) => {
  const running = useIdentityInstance(database);


  const add = (person: Person, key: string, comment?: string) => graphql(running.instance.url, ADD, { key, comment }, tokenOf(person));
  const keysOf = async (person: Person) => (await query(running.instance.url, `query ($u: String!) { user(username: $u) { sshKeys { ${KEY_FIELDS} } } }`, { u: person }, tokenOf('bob'))).user.sshKeys;
  const storedKeysOf = async (person: Person) => (await storedRows(running.instance, 'select fingerprint from identity_ssh_keys where username = ?', [person])).length;

  it.each([
    ['ed25519', ['-t', 'ed25519'], 'ssh-ed25519'],
    ['ECDSA P-256', ['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256'],
    ['ECDSA P-384', ['-t', 'ecdsa', '-b', '384'], 'ecdsa-sha2-nistp384'],
    ['ECDSA P-521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521'],
    ['RSA 3072', ['-t', 'rsa', '-b', '3072'], 'ssh-rsa'],
    ['RSA 4096', ['-t', 'rsa', '-b', '4096'], 'ssh-rsa'],
  ])('adds an %s key to your own account, with the fingerprint ssh-keygen -lf prints', async (name, args, type) => {
    const key = await keygen(args, `alice@${name.replace(/\W/g, '')}`);
    const { body } = await add('alice', key.publicKey);
    expect(body.errors).toBeUndefined();
    const added = body.data.addSshKey;
    expect(added).toMatchObject({ type, bits: key.bits, fingerprint: key.fingerprint, publicKey: key.publicKey.trim(), comment: key.publicKey.trim().split(' ')[2] });
    // Everyone signed in may read public keys: they go onto the VMs alice has SSH access to.
    expect(await keysOf('alice')).toContainEqual({ id: added.id, type, bits: key.bits, fingerprint: key.fingerprint, publicKey: key.publicKey.trim(), comment: added.comment });
  });

  it('takes a comment of your own instead of the one on the line', async () => {
    const key = await keygen(['-t', 'ed25519'], 'laptop');
    const { addSshKey } = await query(running.instance.url, ADD, { key: key.publicKey, comment: 'Alice, work laptop' }, tokenOf('alice'));
    expect(addSshKey.comment).toBe('Alice, work laptop');
    expect(addSshKey.publicKey).toBe(`${key.publicKey.split(' ').slice(0, 2).join(' ')} Alice, work laptop`);
  });

  describe('refuses, says why, and writes nothing', () => {
    const refused = async (key: string) => {
      const before = await storedKeysOf('bob');
      const { body } = await add('bob', key);
      expect(errorCodes(body)).toEqual([expect.stringMatching(/BAD_USER_INPUT|CONFLICT/)]);
      expect(await storedKeysOf('bob')).toBe(before);
      return `${errorCodes(body)[0]}: ${body.errors![0]!.message}`;
    };

    it('a DSA key', async () => {
      expect(await refused((await keygen(['-t', 'dsa'], 'bob@1999')).publicKey)).toBe(
        'BAD_USER_INPUT: DSA keys are no longer accepted: they are limited to 1024 bits and OpenSSH has dropped them. Make a new key with "ssh-keygen -t ed25519".',
      );
    });

    it('an RSA key under 3072 bits', async () => {
      expect(await refused((await keygen(['-t', 'rsa', '-b', '2048'], 'bob@old')).publicKey)).toBe(
        'BAD_USER_INPUT: RSA keys must have at least 3072 bits; this one has 2048. Make a new key with "ssh-keygen -t ed25519" (or "ssh-keygen -t rsa -b 4096").',
      );
    });

    it('garbage', async () => {
      expect(await refused('hunter2')).toMatch(/^BAD_USER_INPUT: This is not an SSH public key\. Paste one line like "ssh-ed25519 AAAA… you@laptop"/);
    });

    it('a private key, without repeating any of it', async () => {
      const { privateKey } = await keygen(['-t', 'ed25519'], 'bob@leak');
      const message = await refused(privateKey);
      expect(message).toMatch(/^BAD_USER_INPUT: This is a PRIVATE key: it must stay secret/);
      for (const line of privateKey.split('\n').filter((line) => line && !line.startsWith('-----'))) expect(message).not.toContain(line.slice(0, 16));
    });

    it('a key already on the account, with its comment or another', async () => {
      const key = await keygen(['-t', 'ed25519'], 'bob@desk');
      expect((await add('bob', key.publicKey)).body.errors).toBeUndefined();
      expect(await refused(key.publicKey)).toBe(`CONFLICT: This key is already on your account (${key.fingerprint}, "bob@desk")`);
      expect(await refused(`${key.publicKey.split(' ').slice(0, 2).join(' ')} another comment`)).toBe(`CONFLICT: This key is already on your account (${key.fingerprint}, "bob@desk")`);
      // The same key twice at once: one is added.
      const twin = await keygen(['-t', 'ed25519'], 'bob@twin');
      const results = await Promise.all([add('bob', twin.publicKey), add('bob', twin.publicKey)]);
      expect(results.map((result) => errorCodes(result.body)[0] ?? 'OK').sort()).toEqual(['CONFLICT', 'OK']);
    });
  });

  it('removes your own key, and nobody else’s', async () => {
    const key = await keygen(['-t', 'ed25519'], 'carol@phone');
    const { addSshKey } = await query(running.instance.url, ADD, { key: key.publicKey }, tokenOf('carol'));

    const theirs = await graphql(running.instance.url, REMOVE, { id: addSshKey.id }, tokenOf('dave'));
    expect(errorCodes(theirs.body)).toEqual(['NOT_FOUND']);
    expect(theirs.body.errors![0].message).toBe(`SSH key ${addSshKey.id} does not exist`);
    expect((await keysOf('carol')).map((k: { id: string }) => k.id)).toEqual([addSshKey.id]);

    const { removeSshKey } = await query(running.instance.url, REMOVE, { id: addSshKey.id }, tokenOf('carol'));
    expect(removeSshKey).toEqual({ id: addSshKey.id, fingerprint: key.fingerprint });
    expect(await keysOf('carol')).toEqual([]);
    expect(errorCodes((await graphql(running.instance.url, REMOVE, { id: addSshKey.id }, tokenOf('carol'))).body)).toEqual(['NOT_FOUND']);
    expect(errorCodes((await graphql(running.instance.url, REMOVE, { id: 'not-an-id' }, tokenOf('carol'))).body)).toEqual(['BAD_USER_INPUT']);
  });
});
