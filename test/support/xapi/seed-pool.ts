import type { StorageOperations } from './storage-operations.js';
import type { XapiObjects } from './xapi-objects.js';
import { newVmFields } from './xapi-records.js';

/** A default template as XCP-ng ships them: no disks of its own, a provisioning spec with sr="" instead. */
export const DEFAULT_TEMPLATE = 'Debian Bookworm 12';
/** A custom template an operator made from a prepared VM: its own 4 GiB system disk and the guest-tools CD. */
export const CUSTOM_TEMPLATE = 'hostgraph-base';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** A fresh single-host pool: the host, its local SR and tools ISO SR, dom0, and the two templates. */
export function seedPool(objects: XapiObjects, storage: StorageOperations): { host: string } {
  const host = objects.host.create({
    name_label: 'xenhost1',
    name_description: 'Default install',
    hostname: 'xenhost1',
    address: '127.0.0.1',
    enabled: true,
    API_version_major: 2,
    API_version_minor: 21,
    software_version: { product_brand: 'XCP-ng', product_version: '8.3.0', xapi: '24.19' },
    other_config: {},
  });
  const localSr = objects.sr.create({
    name_label: 'Local storage',
    name_description: '',
    physical_size: 1024 * GIB,
    type: 'ext',
    content_type: 'user',
    shared: false,
    other_config: {},
    tags: [],
    sm_config: { devserial: 'scsi-local' },
  });
  const isoSr = objects.sr.create({
    name_label: 'XCP-ng Tools',
    name_description: 'XCP-ng Tools ISOs',
    physical_size: 0,
    type: 'iso',
    content_type: 'iso',
    shared: true,
    other_config: {},
    tags: [],
    sm_config: {},
  });
  objects.pool.create({
    name_label: 'hostgraph-test-pool',
    name_description: '',
    master: host,
    default_SR: localSr,
    suspend_image_SR: localSr,
    crash_dump_SR: localSr,
    other_config: {},
  });
  objects.vm.create(
    newVmFields({
      name_label: 'Control domain on host: xenhost1',
      name_description: 'The domain which manages physical devices and manages other domains',
      power_state: 'Running',
      is_control_domain: true,
      resident_on: host,
      domid: 0,
      VCPUs_max: 4,
      VCPUs_at_startup: 4,
      domain_type: 'pv',
    }),
  );
  objects.vm.create(
    newVmFields({
      name_label: DEFAULT_TEMPLATE,
      name_description: 'To install Debian Bookworm 12 from a network repository or CD',
      is_a_template: true,
      is_default_template: true,
      memory_static_min: 512 * MIB,
      memory_dynamic_min: 512 * MIB,
      memory_dynamic_max: 1 * GIB,
      memory_static_max: 1 * GIB,
      VCPUs_max: 1,
      VCPUs_at_startup: 1,
      other_config: {
        default_template: 'true',
        linux_template: 'true',
        'install-methods': 'cdrom,nfs,http,ftp',
        disks: `<provision><disk device="0" size="${10 * GIB}" sr="" bootable="true" type="system"/></provision>`,
      },
    }),
  );
  const custom = objects.vm.create(
    newVmFields({
      name_label: CUSTOM_TEMPLATE,
      is_a_template: true,
      memory_static_min: 256 * MIB,
      memory_dynamic_min: 2 * GIB,
      memory_dynamic_max: 2 * GIB,
      memory_static_max: 2 * GIB,
      VCPUs_max: 2,
      VCPUs_at_startup: 2,
      other_config: { base_template_name: DEFAULT_TEMPLATE, mac_seed: 'c0ffee00-0000-4000-8000-000000000001' },
    }),
  );
  const systemDisk = storage.createVdi(localSr, { name_label: 'hostgraph-base 0', type: 'system', virtual_size: 4 * GIB });
  storage.createVbd({ VM: custom, VDI: systemDisk, userdevice: '0', bootable: true, unpluggable: false, other_config: { owner: '' } });
  const toolsIso = storage.createVdi(isoSr, { name_label: 'guest-tools.iso', read_only: true, is_tools_iso: true, virtual_size: 64 * MIB });
  storage.createVbd({ VM: custom, VDI: toolsIso, userdevice: '3', type: 'CD', mode: 'RO', bootable: false });
  return { host };
}
