import { randomBytes } from 'node:crypto';

/** A random MAC in 52:54:00, the prefix QEMU and libvirt use for their guests (locally administered). */
export function randomGuestMac(): string {
  const suffix = [...randomBytes(3)].map((byte) => byte.toString(16).padStart(2, '0'));
  return ['52', '54', '00', ...suffix].join(':');
}
