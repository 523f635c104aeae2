import type { PowerState, Snapshot, Vm } from '../driver.js';
import { parseLabels, LABELS_KEY } from './labels.js';
import type { ObjectContent } from './vim/property-collector.js';
import { child, childNumber, childText, children, readMoRef, text, xsiType } from './vim/xml-reader.js';

/** The VirtualMachine properties a `Vm` is made of. */
export const VM_PROPERTIES = [
  'name',
  'runtime.powerState',
  'config.template',
  'config.hardware.numCPU',
  'config.hardware.memoryMB',
  'config.hardware.device',
  'config.extraConfig',
] as const;
/** The snapshot tree, read only where snapshots matter. */
export const SNAPSHOT_PROPERTY = 'snapshot';

export interface SnapshotRecord extends Snapshot {
  /** The power state the snapshot captured, which reverting to it restores. */
  powerState: PowerState;
}

export interface VmRecord {
  vm: Vm;
  /** Templates cannot be powered on; the driver does not count them as VMs. */
  template: boolean;
  /** Depth-first, parents before children; empty unless SNAPSHOT_PROPERTY was read. */
  snapshots: SnapshotRecord[];
}

const POWER_STATES: Record<string, PowerState> = { poweredOn: 'running', poweredOff: 'stopped', suspended: 'suspended' };
const BYTES_PER_GIB = 1024 ** 3;

export function readVmRecord(content: ObjectContent): VmRecord {
  const property = (path: string) => content.properties.get(path);
  const powerState = text(property('runtime.powerState')) ?? '';
  const extraConfig = property('config.extraConfig');
  const labels = extraConfig && children(extraConfig, 'OptionValue').find((option) => childText(option, 'key') === LABELS_KEY);
  const snapshotInfo = property(SNAPSHOT_PROPERTY);
  return {
    vm: {
      ref: content.obj.value,
      name: text(property('name')) ?? '',
      powerState: POWER_STATES[powerState] ?? 'stopped',
      vcpus: Number(text(property('config.hardware.numCPU')) ?? 0),
      memoryMiB: Number(text(property('config.hardware.memoryMB')) ?? 0),
      diskGiB: diskBytes(property('config.hardware.device')) / BYTES_PER_GIB,
      labels: parseLabels(childText(labels, 'value')),
    },
    template: text(property('config.template')) === 'true',
    snapshots: snapshotInfo ? children(snapshotInfo, 'rootSnapshotList').flatMap(readSnapshotTree) : [],
  };
}

/** The capacity of every virtual disk. */
function diskBytes(devices: Element | undefined): number {
  if (!devices) return 0;
  return children(devices)
    .filter((device) => xsiType(device) === 'VirtualDisk')
    .reduce((total, disk) => total + (childNumber(disk, 'capacityInBytes') ?? (childNumber(disk, 'capacityInKB') ?? 0) * 1024), 0);
}

function readSnapshotTree(tree: Element): SnapshotRecord[] {
  const snapshot: SnapshotRecord = {
    ref: readMoRef(child(tree, 'snapshot')!).value,
    name: childText(tree, 'name') ?? '',
    createdAt: new Date(childText(tree, 'createTime') ?? 0),
    powerState: POWER_STATES[childText(tree, 'state') ?? ''] ?? 'stopped',
  };
  return [snapshot, ...children(tree, 'childSnapshotList').flatMap(readSnapshotTree)];
}
