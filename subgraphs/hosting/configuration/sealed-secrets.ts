import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'hs1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Secrets hosting must keep for a while (a vhost's private key, a database password on its way to
 * the worker) are sealed with AES-256-GCM under a key derived from the principal secret, which the
 * subgraph and the worker share. `purpose` is bound in, so a sealed value moved elsewhere does not open.
 */
export class SecretSealer {
  readonly #key: Buffer;

  constructor(sharedSecret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', sharedSecret, 'hostgraph', 'hosting sealed secrets', 32));
  }

  seal(secret: string, purpose: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
  }

  open(sealed: string, purpose: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error(`a sealed ${purpose} is not in a form this version knows`);
    const bytes = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new Error(`the sealed ${purpose} does not open: the principal secret changed since it was sealed, or it was altered`, { cause: error });
    }
  }
}
