import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Private host keys are stored sealed with AES-256-GCM under a key from configuration; the
 * provisioner opens them to install on the VM. The host name and key algorithm are bound in as
 * associated data, so a sealed key copied onto another host's row does not open.
 *
 * Sealed form: `hk1:` + base64(12-byte IV ‖ 16-byte tag ‖ ciphertext).
 */

const PREFIX = 'hk1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Says which host key would not open, and the likely reasons; never the key material. */
export class HostKeyDecryptionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostKeyDecryptionError';
  }
}

/** Which host and key a sealed private key belongs to. */
export interface SealedKeyOwner {
  hostName: string;
  algorithm: string;
}

/** The configured encryption key: 32 bytes, written as base64 (`openssl rand -base64 32`). */
export function parseHostKeyEncryptionKey(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32 || key.toString('base64') !== base64.trim()) {
    throw new Error('the host key encryption key must be 32 bytes written as base64 (openssl rand -base64 32)');
  }
  return key;
}

const associatedData = (owner: SealedKeyOwner) => Buffer.from(`hostgraph host key\n${owner.hostName.toLowerCase()}\n${owner.algorithm}`);

export function sealPrivateKey(privateKey: string, encryptionKey: Buffer, owner: SealedKeyOwner): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
  cipher.setAAD(associatedData(owner));
  const ciphertext = Buffer.concat([cipher.update(privateKey, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

export function openPrivateKey(sealed: string, encryptionKey: Buffer, owner: SealedKeyOwner): string {
  const what = `the ${owner.algorithm} host key of ${owner.hostName}`;
  if (!sealed.startsWith(PREFIX)) throw new HostKeyDecryptionError(`${what} is not in a sealed form this version knows (${PREFIX}…)`);
  const bytes = Buffer.from(sealed.slice(PREFIX.length), 'base64');
  if (bytes.length <= IV_BYTES + TAG_BYTES) throw new HostKeyDecryptionError(`${what} is truncated`);
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(associatedData(owner));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new HostKeyDecryptionError(
      `${what} cannot be decrypted: the configured encryption key is not the one it was sealed with, or the stored key was altered or belongs to another host`,
      { cause: error },
    );
  }
}
