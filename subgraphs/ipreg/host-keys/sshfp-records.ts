import sshpk from 'sshpk';
import { type DnsRecord, normalizeRecord, type SshfpValue } from '../../../plugins/dns/dns-record.js';

/** RFC 4255 §2.1.1 and its registry: SSHFP algorithm numbers by sshpk key type. */
const SSHFP_ALGORITHM: Record<string, number> = { rsa: 1, dsa: 2, ecdsa: 3, ed25519: 4 };
/** RFC 6594: fingerprint type 2 is SHA-256 (type 1, SHA-1, is not published). */
const SHA256 = 2;

/** The SSHFP value of a public key in OpenSSH's one-line form. */
export function sshfpOf(publicKey: string): SshfpValue {
  const key = sshpk.parseKey(publicKey, 'ssh');
  const algorithm = SSHFP_ALGORITHM[key.type];
  if (!algorithm) throw new Error(`SSH keys of type ${key.type} have no SSHFP algorithm number`);
  return { algorithm, fingerprintType: SHA256, fingerprint: key.fingerprint('sha256').hash.toString('hex') };
}

/** The SSHFP records that vouch for `publicKeys` as the host keys of `hostName`. */
export function sshfpRecords(hostName: string, publicKeys: string[], ttl: number): DnsRecord[] {
  return publicKeys.map((publicKey) => normalizeRecord({ name: hostName, type: 'SSHFP', ttl, value: sshfpOf(publicKey) }));
}
