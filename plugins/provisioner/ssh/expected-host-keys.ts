import sshpk from 'sshpk';
import { Fatal } from '../../plugin-errors.js';

/** The ssh2 host key algorithms that a key of each sshpk type can sign with. */
const SIGNATURE_ALGORITHMS: Record<string, (curve: string | undefined) => string[]> = {
  ed25519: () => ['ssh-ed25519'],
  ecdsa: (curve) => [`ecdsa-sha2-${curve}`],
  rsa: () => ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * The host keys a VM must present, from its `ssh_host_*_key.pub` lines. The handshake is limited
 * to their algorithms, so a server that also has other keys presents one of these.
 */
export class ExpectedHostKeys {
  readonly #blobs: Buffer[];
  readonly algorithms: string[];
  readonly fingerprints: string[];

  constructor(lines: string[]) {
    if (lines.length === 0) throw new Fatal('no expected host key given: the VM cannot be told from an impostor');
    const keys = lines.map((line) => {
      try {
        return sshpk.parseKey(line, 'ssh');
      } catch {
        throw new Fatal(`expected host key ${JSON.stringify(line.slice(0, 40))}… is not an OpenSSH public key line`);
      }
    });
    this.#blobs = keys.map((key) => key.toBuffer('rfc4253'));
    this.fingerprints = keys.map((key) => key.fingerprint('sha256').toString());
    this.algorithms = [...new Set(keys.flatMap((key) => SIGNATURE_ALGORITHMS[key.type]?.(key.curve) ?? []))];
  }

  /** ssh2's hostVerifier hands the raw key blob (RFC 4253 §6.6). */
  matches(blob: Buffer): boolean {
    return this.#blobs.some((expected) => expected.equals(blob));
  }
}
