import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import sshpk from 'sshpk';

const generate = promisify(generateKeyPair);

/** The host key types a VM gets, as OpenSSH's own `ssh-keygen -A` would make them. */
export const HOST_KEY_ALGORITHMS = ['ed25519', 'ecdsa-p256', 'rsa-3072'] as const;
export type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number];

export interface HostKey {
  algorithm: HostKeyAlgorithm;
  /** One line, as in `ssh_host_*_key.pub`: `ssh-ed25519 AAAA… web1.example.org`. */
  publicKey: string;
  /** As in `ssh_host_*_key` (`-----BEGIN OPENSSH PRIVATE KEY-----`), unencrypted: seal it before storing. */
  privateKey: string;
}

async function generatePrivateKey(algorithm: HostKeyAlgorithm): Promise<KeyObject> {
  switch (algorithm) {
    case 'ed25519':
      return (await generate('ed25519', {})).privateKey;
    case 'ecdsa-p256':
      return (await generate('ec', { namedCurve: 'prime256v1' })).privateKey;
    case 'rsa-3072':
      return (await generate('rsa', { modulusLength: 3072 })).privateKey;
  }
}

/**
 * Generates a host's SSH host keys ahead of its VM, so their SSHFP records can be published before
 * the first connection. Node generates them (off the event loop: RSA takes a while); sshpk writes
 * them in OpenSSH's formats, with the host name as the comment.
 */
export async function generateHostKeys(hostName: string, algorithms: readonly HostKeyAlgorithm[] = HOST_KEY_ALGORITHMS): Promise<HostKey[]> {
  return Promise.all(
    algorithms.map(async (algorithm) => {
      const pkcs8 = (await generatePrivateKey(algorithm)).export({ type: 'pkcs8', format: 'pem' });
      const key = sshpk.parsePrivateKey(pkcs8, 'pkcs8');
      key.comment = hostName;
      return { algorithm, publicKey: key.toPublic().toString('ssh'), privateKey: key.toString('openssh') };
    }),
  );
}
