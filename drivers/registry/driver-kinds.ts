import { parseKvmUri, type KvmConnection } from '../kvm/kvm-uri.js';
import { parseSimUri } from '../sim/sim-uri.js';
import { parseVmwareUri, type VmwareConnection } from '../vmware/vmware-uri.js';
import { parseXenUri, type XenConnection } from '../xen/xen-uri.js';
import { InvalidHostConnection } from './connection-uri.js';
import { parseCredentialRef } from './credential-ref.js';

/** The hypervisor drivers a host can have. */
export const DRIVER_KINDS = ['sim', 'kvm', 'vmware', 'xen'] as const;
export type DriverKind = (typeof DRIVER_KINDS)[number];

export const isDriverKind = (kind: string): kind is DriverKind => (DRIVER_KINDS as readonly string[]).includes(kind);

/** A host's connection as parsed from its URI, before any secret is read. */
export type HostConnectionSpec =
  | { driver: 'sim'; tableName: string }
  | { driver: 'kvm'; connection: KvmConnection }
  | { driver: 'vmware'; connection: VmwareConnection }
  | { driver: 'xen'; connection: XenConnection };

/**
 * Checks a host's driver, URI and credential reference together, without touching the network:
 * the inventory refuses a host that could never work before it stores it, and the worker parses
 * the same way when it connects. kvm needs an SSH key, vmware and xen a password; sim needs nothing.
 */
export function parseHostConnection(driver: string, uri: string, credentialRef: string | null): HostConnectionSpec {
  if (!isDriverKind(driver)) {
    throw new InvalidHostConnection('driver', `Unknown driver "${driver.slice(0, 40)}"; the drivers are ${DRIVER_KINDS.join(', ')}`);
  }
  if (credentialRef !== null) parseCredentialRef(credentialRef);
  if (driver === 'sim') {
    if (credentialRef !== null) throw new InvalidHostConnection('credentialRef', 'A sim host takes no credential');
    return { driver, ...parseSimUri(uri) };
  }
  if (credentialRef === null) {
    const what = driver === 'kvm' ? "an SSH private key" : 'a password';
    throw new InvalidHostConnection('credentialRef', `A ${driver} host needs a credential reference to ${what} (secret:NAME or file:/path)`);
  }
  if (driver === 'kvm') return { driver, connection: parseKvmUri(uri) };
  if (driver === 'vmware') return { driver, connection: parseVmwareUri(uri) };
  return { driver, connection: parseXenUri(uri) };
}
