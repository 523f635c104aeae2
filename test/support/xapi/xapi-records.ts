/**
 * The stored fields of the XAPI objects the fake models, named and typed as in the XenAPI datamodel
 * (ocaml/idl/datamodel*.ml). Fields XAPI derives from other objects (VM.VBDs, VM.snapshots,
 * VDI.VBDs, SR.VDIs, current_operations, …) are not stored; xapi-objects.ts computes them for
 * every record it sends, so they can never disagree.
 */

export const NULL_REF = 'OpaqueRef:NULL';
/** XAPI's "no date": datetimes are ISO 8601 in the basic form XAPI's database uses. */
export const EPOCH = '19700101T00:00:00Z';

export type PowerState = 'Halted' | 'Paused' | 'Running' | 'Suspended';
export type StringMap = Record<string, string>;

export interface VmFields {
  uuid: string;
  name_label: string;
  name_description: string;
  power_state: PowerState;
  user_version: number;
  is_a_template: boolean;
  is_default_template: boolean;
  suspend_VDI: string;
  resident_on: string;
  affinity: string;
  memory_overhead: number;
  memory_target: number;
  memory_static_max: number;
  memory_dynamic_max: number;
  memory_dynamic_min: number;
  memory_static_min: number;
  VCPUs_params: StringMap;
  VCPUs_max: number;
  VCPUs_at_startup: number;
  actions_after_shutdown: string;
  actions_after_reboot: string;
  actions_after_crash: string;
  PV_bootloader: string;
  PV_kernel: string;
  PV_ramdisk: string;
  PV_args: string;
  PV_bootloader_args: string;
  PV_legacy_args: string;
  HVM_boot_policy: string;
  HVM_boot_params: StringMap;
  HVM_shadow_multiplier: number;
  platform: StringMap;
  PCI_bus: string;
  other_config: StringMap;
  domid: number;
  domarch: string;
  last_boot_CPU_flags: StringMap;
  is_control_domain: boolean;
  recommendations: string;
  xenstore_data: StringMap;
  ha_always_run: boolean;
  ha_restart_priority: string;
  is_a_snapshot: boolean;
  snapshot_of: string;
  snapshot_time: string;
  transportable_snapshot_id: string;
  tags: string[];
  blocked_operations: StringMap;
  snapshot_info: StringMap;
  snapshot_metadata: string;
  parent: string;
  bios_strings: StringMap;
  start_delay: number;
  shutdown_delay: number;
  order: number;
  suspend_SR: string;
  version: number;
  generation_id: string;
  hardware_platform_version: number;
  has_vendor_device: boolean;
  requires_reboot: boolean;
  reference_label: string;
  domain_type: string;
  NVRAM: StringMap;
}

export interface VbdFields {
  uuid: string;
  VM: string;
  VDI: string;
  device: string;
  userdevice: string;
  bootable: boolean;
  mode: 'RO' | 'RW';
  type: 'CD' | 'Disk' | 'Floppy';
  unpluggable: boolean;
  storage_lock: boolean;
  empty: boolean;
  other_config: StringMap;
  status_code: number;
  status_detail: string;
  runtime_properties: StringMap;
  qos_algorithm_type: string;
  qos_algorithm_params: StringMap;
  qos_supported_algorithms: string[];
  metrics: string;
}

export interface VdiFields {
  uuid: string;
  name_label: string;
  name_description: string;
  SR: string;
  virtual_size: number;
  physical_utilisation: number;
  type: 'system' | 'user' | 'ephemeral' | 'suspend' | 'crashdump';
  sharable: boolean;
  read_only: boolean;
  other_config: StringMap;
  storage_lock: boolean;
  location: string;
  managed: boolean;
  missing: boolean;
  parent: string;
  xenstore_data: StringMap;
  sm_config: StringMap;
  is_a_snapshot: boolean;
  snapshot_of: string;
  snapshot_time: string;
  tags: string[];
  allow_caching: boolean;
  on_boot: 'reset' | 'persist';
  metadata_of_pool: string;
  metadata_latest: boolean;
  is_tools_iso: boolean;
  cbt_enabled: boolean;
}

export interface SrFields {
  uuid: string;
  name_label: string;
  name_description: string;
  physical_size: number;
  type: string;
  content_type: string;
  shared: boolean;
  other_config: StringMap;
  tags: string[];
  sm_config: StringMap;
}

export interface HostFields {
  uuid: string;
  name_label: string;
  name_description: string;
  hostname: string;
  address: string;
  enabled: boolean;
  API_version_major: number;
  API_version_minor: number;
  software_version: StringMap;
  other_config: StringMap;
}

export interface PoolFields {
  uuid: string;
  name_label: string;
  name_description: string;
  master: string;
  default_SR: string;
  suspend_image_SR: string;
  crash_dump_SR: string;
  other_config: StringMap;
}

export type TaskStatus = 'pending' | 'success' | 'failure' | 'cancelling' | 'cancelled';

export interface TaskFields {
  uuid: string;
  name_label: string;
  name_description: string;
  allowed_operations: string[];
  /** Who asked for the task to be cancelled: { <task of the Task.cancel call>: "cancel" }. */
  current_operations: StringMap;
  created: string;
  finished: string;
  status: TaskStatus;
  resident_on: string;
  progress: number;
  type: string;
  result: string;
  error_info: string[];
  other_config: StringMap;
  subtask_of: string;
  backtrace: string;
}

export interface SessionFields {
  uuid: string;
  this_host: string;
  this_user: string;
  last_active: string;
  pool: boolean;
  other_config: StringMap;
  is_local_superuser: boolean;
  subject: string;
  validation_time: string;
  auth_user_sid: string;
  auth_user_name: string;
  rbac_permissions: string[];
  parent: string;
  originator: string;
}

/** A datetime as XAPI writes it: `20250319T04:16:24Z`. */
export function xapiNow(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z').replaceAll('-', '');
}

export function newVmFields(fields: Partial<VmFields> & Pick<VmFields, 'name_label'>): Omit<VmFields, 'uuid'> {
  return {
    name_description: '',
    power_state: 'Halted',
    user_version: 1,
    is_a_template: false,
    is_default_template: false,
    suspend_VDI: NULL_REF,
    resident_on: NULL_REF,
    affinity: NULL_REF,
    memory_overhead: 0,
    memory_target: 0,
    memory_static_max: 1024 ** 3,
    memory_dynamic_max: 1024 ** 3,
    memory_dynamic_min: 1024 ** 3,
    memory_static_min: 128 * 1024 ** 2,
    VCPUs_params: {},
    VCPUs_max: 1,
    VCPUs_at_startup: 1,
    actions_after_shutdown: 'destroy',
    actions_after_reboot: 'restart',
    actions_after_crash: 'restart',
    PV_bootloader: '',
    PV_kernel: '',
    PV_ramdisk: '',
    PV_args: '',
    PV_bootloader_args: '',
    PV_legacy_args: '',
    HVM_boot_policy: 'BIOS order',
    HVM_boot_params: { order: 'cdn' },
    HVM_shadow_multiplier: 1,
    platform: {},
    PCI_bus: '',
    other_config: {},
    domid: -1,
    domarch: '',
    last_boot_CPU_flags: {},
    is_control_domain: false,
    recommendations: '',
    xenstore_data: {},
    ha_always_run: false,
    ha_restart_priority: '',
    is_a_snapshot: false,
    snapshot_of: NULL_REF,
    snapshot_time: EPOCH,
    transportable_snapshot_id: '',
    tags: [],
    blocked_operations: {},
    snapshot_info: {},
    snapshot_metadata: '',
    parent: NULL_REF,
    bios_strings: {},
    start_delay: 0,
    shutdown_delay: 0,
    order: 0,
    suspend_SR: NULL_REF,
    version: 0,
    generation_id: '',
    hardware_platform_version: 0,
    has_vendor_device: false,
    requires_reboot: false,
    reference_label: '',
    domain_type: 'hvm',
    NVRAM: {},
    ...fields,
  };
}

export function newVdiFields(fields: Partial<VdiFields> & Pick<VdiFields, 'SR' | 'virtual_size'>): Omit<VdiFields, 'uuid'> {
  return {
    name_label: '',
    name_description: '',
    physical_utilisation: 0,
    type: 'user',
    sharable: false,
    read_only: false,
    other_config: {},
    storage_lock: false,
    location: '',
    managed: true,
    missing: false,
    parent: NULL_REF,
    xenstore_data: {},
    sm_config: {},
    is_a_snapshot: false,
    snapshot_of: NULL_REF,
    snapshot_time: EPOCH,
    tags: [],
    allow_caching: false,
    on_boot: 'persist',
    metadata_of_pool: NULL_REF,
    metadata_latest: false,
    is_tools_iso: false,
    cbt_enabled: false,
    ...fields,
  };
}

export function newVbdFields(fields: Partial<VbdFields> & Pick<VbdFields, 'VM' | 'VDI' | 'userdevice'>): Omit<VbdFields, 'uuid'> {
  return {
    device: '',
    bootable: false,
    mode: 'RW',
    type: 'Disk',
    unpluggable: true,
    storage_lock: false,
    empty: false,
    other_config: {},
    status_code: 0,
    status_detail: '',
    runtime_properties: {},
    qos_algorithm_type: '',
    qos_algorithm_params: {},
    qos_supported_algorithms: [],
    metrics: NULL_REF,
    ...fields,
  };
}
