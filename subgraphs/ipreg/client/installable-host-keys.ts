import type { VmSpec } from '../../../drivers/driver.js';
import { openPrivateKey, parseHostKeyEncryptionKey } from '../host-keys/host-key-sealing.js';
import type { SealedHostKeyView } from './ipreg-client.js';

export type InstallableHostKey = NonNullable<NonNullable<VmSpec['seed']>['hostKeys']>[number];

/** ipreg's algorithm names as cloud-init's ssh_keys name the key types. */
const SEED_TYPE: Record<string, InstallableHostKey['type']> = { ed25519: 'ed25519', 'ecdsa-p256': 'ecdsa', 'rsa-3072': 'rsa' };

/**
 * A VM's host keys opened for its cloud-init seed, the one place a private half leaves ipreg's
 * sealing: the worker opens them with the configured host key encryption key (`ipreg.hostKeyEncryptionKey`).
 */
export function installableHostKeys(hostName: string, keys: SealedHostKeyView[], encryptionKeyBase64: string): InstallableHostKey[] {
  const encryptionKey = parseHostKeyEncryptionKey(encryptionKeyBase64);
  return keys.map((key) => {
    const type = SEED_TYPE[key.algorithm];
    if (!type) throw new Error(`host keys of algorithm ${key.algorithm} have no cloud-init key type`);
    return { type, publicKey: key.publicKey, privateKey: openPrivateKey(key.sealedPrivateKey, encryptionKey, { hostName, algorithm: key.algorithm }) };
  });
}
