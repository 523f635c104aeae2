import type { PowerState, Snapshot, Vm } from '../driver.js';
import { labelsOf } from './vm-labels.js';
import type { VbdRecord, VmPowerState, VmRecord } from './xapi-records.js';
import { isNullRef, parseXapiDate, xapiInt } from './xapi-wire-values.js';

export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;

/**
 * What Hostgraph calls a VM among XAPI's VM objects: templates, snapshots (templates too, in XAPI)
 * and control domains (dom0) are VM objects as well, but not guests anyone asked for.
 */
export function isGuest(record: VmRecord): boolean {
  return !record.is_a_template && !record.is_a_snapshot && !record.is_control_domain;
}

/** A paused domain still holds its memory and devices: it counts as running (this driver never pauses one). */
const POWER_STATES: Record<VmPowerState, PowerState> = {
  Halted: 'stopped',
  Running: 'running',
  Paused: 'running',
  Suspended: 'suspended',
};

/** The disk whose size is the VM's `diskGiB`: the lowest-numbered Disk VBD with a VDI (userdevice 0 on a template-made VM). */
export function rootDisk<T extends VbdRecord>(vbds: readonly T[]): T | undefined {
  return vbds
    .filter((vbd) => vbd.type === 'Disk' && !vbd.empty && !isNullRef(vbd.VDI))
    .sort((a, b) => Number(a.userdevice) - Number(b.userdevice))[0];
}

export function toVm(ref: string, record: VmRecord, rootDiskBytes: number): Vm {
  return {
    ref,
    name: record.name_label,
    powerState: POWER_STATES[record.power_state],
    vcpus: xapiInt(record.VCPUs_at_startup),
    memoryMiB: Math.round(xapiInt(record.memory_static_max) / MIB),
    // Rounded up: a disk of 10.5 GiB is not reported as the 10 GiB a caller might think fits.
    diskGiB: Math.ceil(rootDiskBytes / GIB),
    labels: labelsOf(record.other_config),
  };
}

export function toSnapshot(ref: string, record: VmRecord): Snapshot {
  return { ref, name: record.name_label, createdAt: parseXapiDate(record.snapshot_time) };
}
