import { randomUUID } from 'node:crypto';
import { XapiFailure } from './xapi-failure.js';
import {
  NULL_REF,
  type HostFields,
  type PoolFields,
  type SessionFields,
  type SrFields,
  type TaskFields,
  type VbdFields,
  type VdiFields,
  type VmFields,
} from './xapi-records.js';
import { allowedVmOperations } from './vm-operation-rules.js';

/**
 * One class of XAPI objects. References are `OpaqueRef:<uuid>` as XAPI makes them; a reference the
 * table does not hold is HANDLE_INVALID [class, handle], whatever its shape.
 */
export class Table<T extends { uuid: string }> {
  readonly #rows = new Map<string, T>();

  constructor(readonly className: string) {}

  create(fields: Omit<T, 'uuid'>): string {
    const ref = `OpaqueRef:${randomUUID()}`;
    this.#rows.set(ref, { ...fields, uuid: randomUUID() } as T);
    return ref;
  }

  get(ref: unknown): T {
    const row = typeof ref === 'string' ? this.#rows.get(ref) : undefined;
    if (!row) throw new XapiFailure('HANDLE_INVALID', this.className, String(ref));
    return row;
  }

  find(ref: string): T | undefined {
    return this.#rows.get(ref);
  }

  delete(ref: string): void {
    this.#rows.delete(ref);
  }

  entries(): [string, T][] {
    return [...this.#rows.entries()];
  }

  refsWhere(predicate: (row: T) => boolean): string[] {
    return this.entries()
      .filter(([, row]) => predicate(row))
      .map(([ref]) => ref);
  }

  get size(): number {
    return this.#rows.size;
  }
}

/** Everything the fake host knows, and the records it sends: stored fields plus the ones XAPI derives. */
export class XapiObjects {
  readonly vm = new Table<VmFields>('VM');
  readonly vbd = new Table<VbdFields>('VBD');
  readonly vdi = new Table<VdiFields>('VDI');
  readonly sr = new Table<SrFields>('SR');
  readonly host = new Table<HostFields>('host');
  readonly pool = new Table<PoolFields>('pool');
  readonly task = new Table<TaskFields>('task');
  readonly session = new Table<SessionFields>('session');
  /** XAPI's VM.current_operations: for each VM, the operations running on it by task reference. */
  readonly vmOperations = new Map<string, Map<string, string>>();

  /** The classes whose records clients can read, by their XAPI names. */
  tables(): Table<{ uuid: string }>[] {
    return [this.vm, this.vbd, this.vdi, this.sr, this.host, this.pool, this.task, this.session];
  }

  currentOperations(vm: string): Map<string, string> {
    let operations = this.vmOperations.get(vm);
    if (!operations) this.vmOperations.set(vm, (operations = new Map()));
    return operations;
  }

  /** The record as XAPI sends it: a copy of the stored fields with the derived ones added. */
  wireRecord(table: Table<{ uuid: string }>, ref: string): Record<string, unknown> {
    const stored = structuredClone(table.get(ref)) as unknown as Record<string, unknown>;
    return { ...stored, ...this.#derived(table.className, ref) };
  }

  #derived(className: string, ref: string): Record<string, unknown> {
    switch (className) {
      case 'VM': {
        const vm = this.vm.get(ref);
        return {
          allowed_operations: allowedVmOperations(vm, this.currentOperations(ref)),
          current_operations: Object.fromEntries(this.currentOperations(ref)),
          VBDs: this.vbd.refsWhere((vbd) => vbd.VM === ref),
          snapshots: this.vm.refsWhere((other) => other.is_a_snapshot && other.snapshot_of === ref),
          children: this.vm.refsWhere((other) => other.parent === ref),
          consoles: [],
          VIFs: [],
          VUSBs: [],
          VGPUs: [],
          VTPMs: [],
          crash_dumps: [],
          attached_PCIs: [],
          metrics: NULL_REF,
          guest_metrics: NULL_REF,
          blobs: {},
          appliance: NULL_REF,
          protection_policy: NULL_REF,
          snapshot_schedule: NULL_REF,
          is_snapshot_from_vmpp: false,
          is_vmss_snapshot: false,
          last_booted_record: '',
        };
      }
      case 'VBD': {
        const vbd = this.vbd.get(ref);
        const state = this.vm.find(vbd.VM)?.power_state;
        return { allowed_operations: [], current_operations: {}, currently_attached: state === 'Running' || state === 'Paused' };
      }
      case 'VDI':
        return {
          allowed_operations: ['clone', 'copy', 'destroy', 'resize', 'snapshot'],
          current_operations: {},
          VBDs: this.vbd.refsWhere((vbd) => vbd.VDI === ref),
          snapshots: this.vdi.refsWhere((vdi) => vdi.is_a_snapshot && vdi.snapshot_of === ref),
          crash_dumps: [],
        };
      case 'SR': {
        const vdis = this.vdi.entries().filter(([, vdi]) => vdi.SR === ref);
        const allocated = vdis.reduce((sum, [, vdi]) => sum + vdi.virtual_size, 0);
        return {
          allowed_operations: ['vdi_create', 'vdi_destroy', 'vdi_resize', 'vdi_clone', 'vdi_snapshot', 'scan'],
          current_operations: {},
          VDIs: vdis.map(([vdiRef]) => vdiRef),
          PBDs: [],
          virtual_allocation: allocated,
          physical_utilisation: allocated,
          blobs: {},
          local_cache_enabled: false,
          introduced_by: NULL_REF,
          clustered: false,
          is_tools_sr: false,
        };
      }
      case 'host':
        return { resident_VMs: this.vm.refsWhere((vm) => vm.resident_on === ref) };
      case 'task':
        return { subtasks: this.task.refsWhere((task) => task.subtask_of === ref) };
      case 'session':
        return { tasks: [] };
      default:
        return {};
    }
  }
}
