import type { VmSpec } from '../driver.js';
import { labelsExtraConfig } from './labels.js';
import type { NetworkBacking, Placement } from './placement.js';
import { el, moRefElement, typed, type Xml } from './vim/xml-writer.js';

// Devices added in one spec refer to each other by temporary negative keys; the server assigns real ones.
const CONTROLLER_KEY = -100;
const DISK_KEY = -101;
const NIC_KEY = -102;

/**
 * The VirtualMachineConfigSpec of a new VM: its CPUs and memory, a paravirtual SCSI controller with
 * one thin disk of `diskGiB`, a vmxnet3 NIC when the placement has a network, and the labels.
 * Element order follows the vim25 schema, which vCenter enforces.
 */
export function newVmConfigSpec(spec: VmSpec, placement: Placement, guestId: string): Xml {
  const datastorePath = `[${placement.datastore.name}]`;
  return el(
    'config',
    el('name', spec.name),
    el('guestId', guestId),
    el('files', el('vmPathName', datastorePath)),
    el('numCPUs', spec.vcpus),
    el('memoryMB', spec.memoryMiB),
    addDevice(typed('device', 'ParaVirtualSCSIController', el('key', CONTROLLER_KEY), el('busNumber', 0), el('sharedBus', 'noSharing'))),
    addDevice(
      typed(
        'device',
        'VirtualDisk',
        el('key', DISK_KEY),
        typed('backing', 'VirtualDiskFlatVer2BackingInfo', el('fileName', datastorePath), el('diskMode', 'persistent'), el('thinProvisioned', true)),
        el('controllerKey', CONTROLLER_KEY),
        el('unitNumber', 0),
        el('capacityInKB', spec.diskGiB * 1024 * 1024),
        el('capacityInBytes', spec.diskGiB * 1024 ** 3),
      ),
      'create',
    ),
    placement.network && addDevice(nic(placement.network)),
    labelsExtraConfig(spec.labels ?? {}),
  );
}

/** The VirtualMachineCloneSpec: a powered-off full copy where new VMs go, labels carried over. */
export function cloneSpec(placement: Placement, labels: Record<string, string>): Xml {
  return el(
    'spec',
    el('location', moRefElement('datastore', placement.datastore.ref), moRefElement('pool', placement.resourcePool)),
    el('template', false),
    el('config', labelsExtraConfig(labels)),
    el('powerOn', false),
  );
}

function addDevice(device: Xml, fileOperation?: 'create'): Xml {
  return el('deviceChange', el('operation', 'add'), fileOperation && el('fileOperation', fileOperation), device);
}

function nic(network: NetworkBacking): Xml {
  const backing =
    network.kind === 'standard'
      ? typed('backing', 'VirtualEthernetCardNetworkBackingInfo', el('deviceName', network.name), moRefElement('network', network.ref))
      : typed(
          'backing',
          'VirtualEthernetCardDistributedVirtualPortBackingInfo',
          el('port', el('switchUuid', network.switchUuid), el('portgroupKey', network.portgroupKey)),
        );
  return typed(
    'device',
    'VirtualVmxnet3',
    el('key', NIC_KEY),
    backing,
    el('connectable', el('startConnected', true), el('allowGuestControl', true), el('connected', false)),
    el('addressType', 'generated'),
  );
}
