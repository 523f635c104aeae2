/**
 * The fields of XAPI records this driver reads, named and typed as in the XenAPI reference. XAPI
 * sends every field of a record; only those used here are declared. Ints are `number | string`
 * because the JSON-RPC wire allows both (see xapi-wire-values.ts).
 */

export type XapiInt = number | string;

export type VmPowerState = 'Halted' | 'Paused' | 'Running' | 'Suspended';

export interface VmRecord {
  uuid: string;
  name_label: string;
  power_state: VmPowerState;
  is_a_template: boolean;
  is_a_snapshot: boolean;
  is_control_domain: boolean;
  /** The VM a snapshot was taken of; OpaqueRef:NULL otherwise. */
  snapshot_of: string;
  snapshots: string[];
  snapshot_time: string;
  /** For snapshots: `power-state-at-snapshot` (Running, Halted, …) and `disk-snapshot-type`. */
  snapshot_info: Record<string, string>;
  VBDs: string[];
  suspend_VDI: string;
  VCPUs_max: XapiInt;
  VCPUs_at_startup: XapiInt;
  memory_static_min: XapiInt;
  memory_static_max: XapiInt;
  memory_dynamic_min: XapiInt;
  memory_dynamic_max: XapiInt;
  other_config: Record<string, string>;
}

export interface VbdRecord {
  VM: string;
  VDI: string;
  type: 'Disk' | 'CD' | 'Floppy';
  userdevice: string;
  empty: boolean;
}

export interface VdiRecord {
  uuid: string;
  SR: string;
  VBDs: string[];
  virtual_size: XapiInt;
}

export interface PoolRecord {
  default_SR: string;
}

export interface TaskRecord {
  status: 'pending' | 'success' | 'failure' | 'cancelling' | 'cancelled';
  /** 0–1; XAPI's own progress can restart when a task moves to its next phase. */
  progress: number;
  result: string;
  error_info: string[];
}
