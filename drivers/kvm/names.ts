import { Fatal } from '../driver.js';

/**
 * VM and snapshot names end up in file names on the host and as virsh arguments, so they keep to
 * letters, digits, `.`, `_` and `-`, starting with a letter or digit (never an option's `-`).
 */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** libvirt's UUID, the driver's VM ref. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireSafeName(what: 'VM' | 'snapshot', name: string): string {
  if (typeof name !== 'string' || !SAFE_NAME.test(name)) {
    throw new Fatal(
      `kvm: invalid ${what} name ${JSON.stringify(name)}: use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

/** Whether `ref` can be a VM ref at all; one that cannot names no VM. */
export function isDomainUuid(ref: string): boolean {
  return typeof ref === 'string' && UUID.test(ref);
}
