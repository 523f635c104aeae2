import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHostKeys, type HostKey } from '../../subgraphs/ipreg/host-keys/generate-host-keys.js';
import { HostKeyDecryptionError, openPrivateKey, parseHostKeyEncryptionKey, sealPrivateKey } from '../../subgraphs/ipreg/host-keys/host-key-sealing.js';
import { sshfpRecords } from '../../subgraphs/ipreg/host-keys/sshfp-records.js';
import { ensureInstalled, STATE } from '../support/servers.js';

const run = promisify(execFile);
const HOST = 'web1.hosting.test';

let keys: HostKey[];
let directory: string;

beforeAll(async () => {
  ensureInstalled('/usr/bin/ssh-keygen', 'openssh-client');
  directory = mkdtempSync(join(STATE, 'host-keys-'));
  keys = await generateHostKeys(HOST);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Writes a key where ssh-keygen can read it; private keys must not be readable by others. */
function keyFile(name: string, content: string): string {
  const path = join(directory, name);
  writeFileSync(path, content.endsWith('\n') ? content : `${content}\n`, { mode: 0o600 });
  return path;
}

describe('SSH host keys', () => {
  it('generates ed25519, ECDSA P-256 and RSA 3072 keys, as ssh-keygen reads them', async () => {
    const described = await Promise.all(keys.map(async (key) => (await run('ssh-keygen', ['-l', '-f', keyFile(`${key.algorithm}.pub`, key.publicKey)])).stdout));
    expect(described.map((line) => [line.split(' ')[0], line.trim().split(' ').at(-1)])).toEqual([
      ['256', '(ED25519)'],
      ['256', '(ECDSA)'],
      ['3072', '(RSA)'],
    ]);
    for (const key of keys) expect(key.publicKey.endsWith(` ${HOST}`)).toBe(true);
  });

  it('writes private keys that ssh-keygen loads and that match their public keys', async () => {
    for (const key of keys) {
      expect(key.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
      const { stdout } = await run('ssh-keygen', ['-y', '-f', keyFile(key.algorithm, key.privateKey)]);
      expect(stdout.trim().split(' ').slice(0, 2)).toEqual(key.publicKey.split(' ').slice(0, 2));
    }
  });

  it('computes the SHA-256 SSHFP records ssh-keygen -r prints for the same keys', async () => {
    const expected: string[] = [];
    for (const key of keys) {
      const { stdout } = await run('ssh-keygen', ['-r', HOST, '-f', keyFile(`${key.algorithm}.pub`, key.publicKey)]);
      // ssh-keygen prints a SHA-1 (type 1) and a SHA-256 (type 2) line per key.
      expected.push(...stdout.split('\n').filter((line) => / IN SSHFP \d+ 2 /.test(line)));
    }
    expect(expected).toHaveLength(3);

    const records = sshfpRecords(HOST, keys.map((key) => key.publicKey), 3600);
    expect(records.map((record) => record.type === 'SSHFP' && `${record.name} IN SSHFP ${record.value.algorithm} ${record.value.fingerprintType} ${record.value.fingerprint}`)).toEqual(expected);
    expect(records.map((record) => record.type === 'SSHFP' && record.value.algorithm)).toEqual([4, 3, 1]);
  });
});

describe('sealed private host keys', () => {
  const encryptionKey = randomBytes(32);
  const owner = { hostName: HOST, algorithm: 'ed25519' };

  it('seals a private key so that only the same encryption key opens it', () => {
    const privateKey = keys[0].privateKey;
    const sealed = sealPrivateKey(privateKey, encryptionKey, owner);
    expect(sealed).toMatch(/^hk1:/);
    expect(sealed).not.toContain('OPENSSH');
    expect(sealPrivateKey(privateKey, encryptionKey, owner)).not.toBe(sealed); // a fresh IV each time
    expect(openPrivateKey(sealed, encryptionKey, owner)).toBe(privateKey);
  });

  it('refuses to open with a wrong encryption key, with a clear error', () => {
    const sealed = sealPrivateKey(keys[0].privateKey, encryptionKey, owner);
    expect(() => openPrivateKey(sealed, randomBytes(32), owner)).toThrow(
      new HostKeyDecryptionError(
        'the ed25519 host key of web1.hosting.test cannot be decrypted: the configured encryption key is not the one it was sealed with, or the stored key was altered or belongs to another host',
      ),
    );
  });

  it('refuses a sealed key moved to another host, or altered', () => {
    const sealed = sealPrivateKey(keys[0].privateKey, encryptionKey, owner);
    expect(() => openPrivateKey(sealed, encryptionKey, { ...owner, hostName: 'web2.hosting.test' })).toThrow(HostKeyDecryptionError);
    const bytes = Buffer.from(sealed.slice(4), 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(() => openPrivateKey(`hk1:${bytes.toString('base64')}`, encryptionKey, owner)).toThrow(HostKeyDecryptionError);
    expect(() => openPrivateKey('plain text', encryptionKey, owner)).toThrow(/not in a sealed form/);
  });

  it('reads the configured encryption key as 32 bytes of base64', () => {
    const text = encryptionKey.toString('base64');
    expect(parseHostKeyEncryptionKey(text)).toEqual(encryptionKey);
    expect(() => parseHostKeyEncryptionKey(randomBytes(16).toString('base64'))).toThrow(/must be 32 bytes written as base64/);
    expect(() => parseHostKeyEncryptionKey('not base64 at all!')).toThrow(/must be 32 bytes/);
  });
});
