import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSshPublicKey } from '../../subgraphs/identity/ssh-keys/ssh-public-key.js';

/** Real keys from ssh-keygen, checked against what ssh-keygen itself says about them. */

let dir: string;

/** Makes a key pair with ssh-keygen; returns the public line and the private key's text. */
function generate(name: string, args: string[], comment: string) {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', comment, '-f', file]);
  return { file, publicKey: readFileSync(`${file}.pub`, 'utf8'), privateKey: readFileSync(file, 'utf8') };
}

/** `ssh-keygen -lf`: "256 SHA256:… comment (ED25519)". */
function sshKeygenFingerprint(file: string) {
  const [bits, fingerprint] = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).split(' ');
  return { bits: Number(bits), fingerprint };
}

/** The refusal parseSshPublicKey throws for `text`, checked to be a BAD_USER_INPUT on field key. */
function refusal(text: string): string {
  try {
    parseSshPublicKey(text);
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'key' });
    return (error as GraphQLError).message;
  }
  throw new Error('the key was accepted');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssh-public-key-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('accepted keys', () => {
  it.each([
    ['ed25519', ['-t', 'ed25519'], 'ssh-ed25519', 256],
    ['ecdsa-256', ['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256', 256],
    ['ecdsa-384', ['-t', 'ecdsa', '-b', '384'], 'ecdsa-sha2-nistp384', 384],
    ['ecdsa-521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521', 521],
    ['rsa-3072', ['-t', 'rsa', '-b', '3072'], 'ssh-rsa', 3072],
  ])('%s: type, bits and fingerprint as ssh-keygen reports them', (name, args, type, bits) => {
    const { file, publicKey } = generate(name, args, `${name}@laptop`);
    const parsed = parseSshPublicKey(publicKey);
    expect(parsed).toEqual({
      type,
      bits,
      comment: `${name}@laptop`,
      fingerprint: sshKeygenFingerprint(file).fingerprint,
      normalized: publicKey.trim(),
    });
    expect(parsed.bits).toBe(sshKeygenFingerprint(file).bits);
    expect(parsed.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('normalizes spacing, line ends and a comment with spaces', () => {
    const { publicKey } = generate('spaced', ['-t', 'ed25519'], 'Alice Martin (work laptop)');
    const [type, base64] = publicKey.split(' ');
    const parsed = parseSshPublicKey(`\r\n  ${type}\t ${base64}   Alice Martin (work laptop) \r\n`);
    expect(parsed.normalized).toBe(publicKey.trim());
    expect(parsed.comment).toBe('Alice Martin (work laptop)');
  });

  it('takes a key without a comment', () => {
    const { file, publicKey } = generate('no-comment', ['-t', 'ed25519'], '');
    const parsed = parseSshPublicKey(publicKey);
    expect(parsed.comment).toBeNull();
    expect(parsed.normalized).toBe(publicKey.trim());
    expect(parsed.fingerprint).toBe(sshKeygenFingerprint(file).fingerprint);
  });
});

describe('refused keys', () => {
  it('RSA under 3072 bits, saying how many it has', () => {
    const { publicKey } = generate('rsa-2048', ['-t', 'rsa', '-b', '2048'], 'old@laptop');
    expect(refusal(publicKey)).toContain('RSA keys must have at least 3072 bits; this one has 2048');
  });

  it('DSA', () => {
    const { publicKey } = generate('dsa', ['-t', 'dsa'], 'ancient@laptop');
    expect(refusal(publicKey)).toMatch(/DSA keys are no longer accepted/);
  });

  it('a private key pasted by mistake, without echoing any of it', () => {
    const openssh = generate('leaked', ['-t', 'ed25519'], 'leaked@laptop').privateKey;
    const pem = generate('leaked-pem', ['-t', 'rsa', '-b', '3072', '-m', 'PEM'], 'leaked@laptop').privateKey;
    for (const privateKey of [openssh, pem]) {
      const message = refusal(privateKey);
      expect(message).toMatch(/PRIVATE key/);
      const secretLines = privateKey.split('\n').filter((line) => line && !line.startsWith('-----'));
      for (const line of secretLines) expect(message).not.toContain(line.slice(0, 16));
    }
  });

  it('several keys in one paste, on separate lines or one', () => {
    const first = generate('first', ['-t', 'ed25519'], 'one').publicKey.trim();
    const second = generate('second', ['-t', 'ecdsa'], 'two').publicKey.trim();
    expect(refusal(`${first}\n${second}\n`)).toBe('Paste one key at a time; this text holds 2 keys.');
    expect(refusal(`${first} ${second}`)).toBe('Paste one key at a time; this text holds 2 keys.');
  });

  it('authorized_keys options before the key', () => {
    const { publicKey } = generate('with-options', ['-t', 'ed25519'], 'opts');
    expect(refusal(`from="10.0.0.0/8",no-pty ${publicKey}`)).toMatch(/without authorized_keys options/);
  });

  it('garbage, a cut key, and data that is not the type its line claims', () => {
    const { publicKey } = generate('victim', ['-t', 'ed25519'], 'v');
    const [type, base64] = publicKey.split(' ') as [string, string];
    expect(refusal('hunter2')).toMatch(/^This is not an SSH public key/);
    expect(refusal('correct horse battery staple')).toMatch(/^This is not an SSH public key/);
    expect(refusal('')).toMatch(/^This is not an SSH public key/);
    expect(refusal(`${type} ${base64.slice(0, 40)}`)).toMatch(/incomplete or damaged/);
    expect(refusal(`${type} ${base64.slice(0, 41)}`)).toMatch(/not valid base64/);
    expect(refusal(`ssh-rsa ${base64} v`)).toBe(
      'The line says "ssh-rsa" but its data is a ssh-ed25519 key; the key may have been altered. Paste the line exactly as in the .pub file.',
    );
  });

  it('a key split over lines, and types it does not take', () => {
    const { publicKey } = generate('wrapped', ['-t', 'ed25519'], 'w');
    expect(refusal(`${publicKey.slice(0, 50)}\n${publicKey.slice(50)}`)).toMatch(/split over 2 lines/);
    expect(refusal('sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t fido')).toMatch(/Security-key \(FIDO\) keys/);
    expect(refusal('ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29t c')).toMatch(/SSH certificate/);
    expect(refusal('ssh-xmss@openssh.com AAAAFHNzaC14bXNzQG9wZW5zc2guY29t x')).toMatch(/^Unsupported key type "ssh-xmss@openssh.com"/);
    expect(refusal('-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----')).toMatch(/OpenSSH one-line format/);
  });
});
