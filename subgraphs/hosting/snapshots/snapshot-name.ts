import { badInput } from '../../../core/errors.js';

/** What every hypervisor accepts as a snapshot name (kvm's is the narrowest). */
const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The scheduler's names; a person's snapshot cannot take tonight's name. */
export const NIGHTLY_PREFIX = 'nightly-';

export function validateSnapshotName(name: string): string {
  if (!SNAPSHOT_NAME.test(name)) {
    throw badInput(`Snapshot name "${name.slice(0, 80)}" is not allowed: use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`, 'name');
  }
  if (name.startsWith(NIGHTLY_PREFIX)) throw badInput(`Snapshot names starting with "${NIGHTLY_PREFIX}" are kept for the nightly snapshots`, 'name');
  return name;
}

const stamp = (at: Date) => at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** `snapshot-20261201-223000` when the caller gives no name. */
export const defaultSnapshotName = (at: Date) => `snapshot-${stamp(at)}`;

/** One a night per site: `nightly-2026-12-01` (UTC). */
export const nightlySnapshotName = (at: Date) => `${NIGHTLY_PREFIX}${at.toISOString().slice(0, 10)}`;
