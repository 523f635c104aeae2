import {
  Conflict,
  Fatal,
  NotFound,
  Unsupported,
  type DriverCapabilities,
  type HypervisorDriver,
  type CloneOptions,
  type OperationOptions,
  type ProgressCallback,
  type ShutdownOptions,
  type Snapshot,
  type Vm,
  type VmSpec,
} from '../driver.js';
import { monotonicProgress } from '../progress.js';
import { progressSpan } from './progress-span.js';
import { sizeProvisionDisks } from './provision-disks.js';
import { withLabels } from './vm-labels.js';
import { hasSpec, requireValidSpec } from './vm-spec.js';
import { XapiClient } from './xapi-client.js';
import { toDriverError } from './xapi-driver-error.js';
import { isXapiError } from './xapi-error.js';
import type { PoolRecord, VbdRecord, VdiRecord, VmRecord } from './xapi-records.js';
import { forgetTask, runTask, startTask, waitForTask } from './xapi-task.js';
import { isNullRef, xapiInt } from './xapi-wire-values.js';
import { GIB, isGuest, MIB, rootDisk, toSnapshot, toVm } from './xen-vm.js';

export interface XenDriverOptions {
  /** The pool master, `https://xen1.example.org`; JSON-RPC calls go to `<url>/jsonrpc`. */
  url: string;
  username: string;
  password: string;
  /**
   * name_label of the template new VMs are made from: a default template with a provisioning spec
   * (`other_config:disks`), or a custom template with a disk of its own no larger than the VMs' disks.
   */
  template: string;
  /** uuid of the SR that provisioned disks go to; the pool's default SR when absent. */
  srUuid?: string;
  /** PEM certificate(s) to trust for an https url; XAPI hosts ship self-signed certificates. */
  ca?: string;
  /** How long one XAPI call may take to answer. Default 30 s. */
  requestTimeoutMs?: number;
  /** How often a running task's record is read. Default 500 ms. */
  taskPollIntervalMs?: number;
  /** How long a task may run before it is cancelled and the operation reported transient. Default 30 min. */
  taskTimeoutMs?: number;
  /** How long `shutdown` and `reboot` wait for the guest before pulling the plug, when the caller gives no timeout. Default 60 s. */
  shutdownTimeoutMs?: number;
}

/** Marks a template clone this driver is still turning into a VM, so a retried create can clear what a crash left. */
export const CREATING_MARKER = 'hostgraph.creating';
/** In a snapshot's snapshot_info: the power state its VM was in (xapi_vm_clone.ml). */
const POWER_STATE_AT_SNAPSHOT = 'power-state-at-snapshot';

/** A clean shutdown or reboot the guest did not carry out: the plug is pulled instead. */
const GUEST_DID_NOT_COOPERATE = new Set([
  'VM_FAILED_SHUTDOWN_ACKNOWLEDGMENT',
  'VM_SHUTDOWN_TIMEOUT',
  'VM_LACKS_FEATURE',
  'VM_MISSING_PV_DRIVERS',
  'TASK_CANCELLED',
]);

/**
 * Drives a XenServer / XCP-ng pool through XAPI over JSON-RPC. Every lasting operation runs as an
 * `Async.*` call whose task is polled for progress. New VMs are cloned from a template, sized and
 * labelled while still templates, then provisioned, so a VM becomes visible under its name only
 * when it is whole. Labels live in `other_config`.
 */
export class XenDriver implements HypervisorDriver {
  readonly name = 'xen';
  readonly capabilities: DriverCapabilities = { suspend: true, snapshots: true, clone: true, gracefulShutdown: true, resize: false };

  readonly #client: XapiClient;
  readonly #template: string;
  readonly #srUuid: string | undefined;
  readonly #pollIntervalMs: number;
  readonly #taskTimeoutMs: number;
  readonly #shutdownTimeoutMs: number;
  #closed = false;

  constructor(options: XenDriverOptions) {
    if (!options.template?.trim()) throw new Error('xen template must name an existing XAPI template');
    if (!options.username) throw new Error('xen username is required');
    const requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs, 30_000);
    this.#pollIntervalMs = positive('taskPollIntervalMs', options.taskPollIntervalMs, 500);
    this.#taskTimeoutMs = positive('taskTimeoutMs', options.taskTimeoutMs, 30 * 60_000);
    this.#shutdownTimeoutMs = positive('shutdownTimeoutMs', options.shutdownTimeoutMs, 60_000);
    this.#template = options.template;
    this.#srUuid = options.srUuid;
    this.#client = new XapiClient({
      url: options.url,
      username: options.username,
      password: options.password,
      requestTimeoutMs,
      ca: options.ca,
    });
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────

  list(): Promise<Vm[]> {
    return this.#guard('list VMs', async () => {
      const [vms, vbds, vdis] = await Promise.all([
        this.#call<Record<string, VmRecord>>('VM.get_all_records'),
        this.#call<Record<string, VbdRecord>>('VBD.get_all_records'),
        this.#call<Record<string, VdiRecord>>('VDI.get_all_records'),
      ]);
      return Object.entries(vms)
        .filter(([, record]) => isGuest(record))
        .map(([ref, record]) => {
          const root = rootDisk(record.VBDs.map((vbd) => vbds[vbd]).filter(Boolean));
          const vdi = root && vdis[root.VDI];
          return toVm(ref, record, vdi ? xapiInt(vdi.virtual_size) : 0);
        });
    });
  }

  get(ref: string): Promise<Vm | null> {
    return this.#guard(`get ${ref}`, () => this.#readVm(ref));
  }

  findByName(name: string): Promise<Vm | null> {
    return this.#guard(`find ${name}`, () => this.#findVm(name));
  }

  // ── Lifecycle ─────────────────────────────────────────────────────────────────────────────────

  create(spec: VmSpec, options?: OperationOptions): Promise<Vm> {
    return this.#guard(`create ${spec.name}`, async () => {
      requireValidSpec(spec);
      const progress = begin(options);
      const existing = await this.#findVm(spec.name);
      if (existing) {
        // A retried task step creates again; the same spec means it is the VM that step made.
        if (!hasSpec(existing, spec)) throw new Conflict(`xen: a VM named ${spec.name} already exists with a different spec`);
        progress(1);
        return existing;
      }
      const template = await this.#findTemplate();
      await this.#clearUnfinishedCreations(spec.name);
      const ref = await this.#task('VM.clone', [template, spec.name], progressSpan(progress, 0, 0.3));
      try {
        await this.#shapeNewVm(ref, spec, progressSpan(progress, 0.3, 0.5));
        // Provisioning creates the disks and turns the template clone into a VM.
        await this.#task('VM.provision', [ref], progressSpan(progress, 0.5, 0.95));
        await this.#call('VM.remove_from_other_config', ref, CREATING_MARKER);
      } catch (error) {
        // Leave nothing half-made; should the host be gone too, the next create clears it by its marker.
        await this.#destroyWithDisks(ref, () => {}).catch(() => {});
        throw error;
      }
      const vm = await this.#requireVm(ref);
      progress(1);
      return vm;
    });
  }

  start(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#powerOperation(`start ${ref}`, ref, options, (progress) => this.#task('VM.start', [ref, false, false], progress));
  }

  shutdown(ref: string, options?: ShutdownOptions): Promise<Vm> {
    const timeoutMs = options?.timeoutMs ?? this.#shutdownTimeoutMs;
    return this.#powerOperation(`shut down ${ref}`, ref, options, (progress) =>
      this.#askThenForce(ref, 'VM.clean_shutdown', 'VM.hard_shutdown', timeoutMs, progress),
    );
  }

  powerOff(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#powerOperation(`power off ${ref}`, ref, options, (progress) => this.#task('VM.hard_shutdown', [ref], progress));
  }

  reboot(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#powerOperation(`reboot ${ref}`, ref, options, (progress) =>
      this.#askThenForce(ref, 'VM.clean_reboot', 'VM.hard_reboot', this.#shutdownTimeoutMs, progress),
    );
  }

  suspend(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#powerOperation(`suspend ${ref}`, ref, options, (progress) => this.#task('VM.suspend', [ref], progress));
  }

  resume(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#powerOperation(`resume ${ref}`, ref, options, (progress) => this.#task('VM.resume', [ref, false, false], progress));
  }

  destroy(ref: string, options?: OperationOptions): Promise<void> {
    return this.#guard(`destroy ${ref}`, async () => {
      const progress = begin(options);
      const record = await this.#vmRecord(ref);
      if (record && !isGuest(record)) {
        throw new Fatal(`xen: ${ref} (${record.name_label}) is a template, snapshot or control domain, not a VM; refusing to destroy it`);
      }
      if (record) {
        if (record.power_state !== 'Halted') {
          // Halted meanwhile is what we wanted anyway.
          await this.#task('VM.hard_shutdown', [ref], progressSpan(progress, 0, 0.3)).catch(unless('VM_BAD_POWER_STATE'));
        }
        for (const snapshot of record.snapshots) await this.#destroyWithDisks(snapshot, progressSpan(progress, 0.3, 0.6));
        await this.#destroyWithDisks(ref, progressSpan(progress, 0.6, 1));
      }
      // A VM already gone is success: a retried destroy has nothing left to do.
      progress(1);
    });
  }

  // ── Snapshots and clones ──────────────────────────────────────────────────────────────────────

  createSnapshot(ref: string, name: string, options?: OperationOptions): Promise<Snapshot> {
    return this.#guard(`snapshot ${ref} as ${name}`, async () => {
      const progress = begin(options);
      const vm = await this.#requireGuestRecord(ref);
      // A retried step finds the snapshot it made; names are unique per VM here.
      const existing = (await this.#snapshotsOf(vm)).find((snapshot) => snapshot.name === name);
      if (existing) {
        progress(1);
        return existing;
      }
      // A checkpoint also saves the memory image, so reverting brings a running VM back running.
      const method = vm.power_state === 'Halted' ? 'VM.snapshot' : 'VM.checkpoint';
      const snapshotRef = await this.#task(method, [ref, name], progressSpan(progress, 0, 0.95));
      const snapshot = toSnapshot(snapshotRef, await this.#call<VmRecord>('VM.get_record', snapshotRef));
      progress(1);
      return snapshot;
    });
  }

  listSnapshots(ref: string): Promise<Snapshot[]> {
    return this.#guard(`list snapshots of ${ref}`, async () => this.#snapshotsOf(await this.#requireGuestRecord(ref)));
  }

  revertSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<Vm> {
    return this.#guard(`revert ${ref} to ${snapshotRef}`, async () => {
      const progress = begin(options);
      const snapshot = await this.#requireSnapshotOf(ref, snapshotRef);
      // XAPI powers the VM off, restores disks and settings, and leaves it Halted, or Suspended after a checkpoint.
      await this.#task('VM.revert', [snapshotRef], progressSpan(progress, 0, 0.7));
      if (snapshot.snapshot_info[POWER_STATE_AT_SNAPSHOT] === 'Running') {
        const reverted = await this.#requireGuestRecord(ref);
        if (reverted.power_state === 'Suspended') await this.#task('VM.resume', [ref, false, false], progressSpan(progress, 0.7, 0.95));
        if (reverted.power_state === 'Halted') await this.#task('VM.start', [ref, false, false], progressSpan(progress, 0.7, 0.95));
      }
      const vm = await this.#requireVm(ref);
      progress(1);
      return vm;
    });
  }

  deleteSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<void> {
    return this.#guard(`delete snapshot ${snapshotRef} of ${ref}`, async () => {
      const progress = begin(options);
      await this.#requireSnapshotOf(ref, snapshotRef);
      await this.#destroyWithDisks(snapshotRef, progressSpan(progress, 0, 0.95));
      progress(1);
    });
  }

  /** Not implemented for xen yet: declared in `capabilities.resize`. */
  async resize(): Promise<Vm> {
    throw new Unsupported('xen: resizing a VM is not supported by this driver yet');
  }

  /** `options.seed` is ignored: this driver seeds no guest at create either, so a clone boots as the copy of its source it is. */
  clone(ref: string, newName: string, options?: CloneOptions): Promise<Vm> {
    return this.#guard(`clone ${ref} as ${newName}`, async () => {
      const progress = begin(options);
      const source = await this.#requireVm(ref);
      const existing = await this.#findVm(newName);
      if (existing) {
        // A retried clone step finds its clone: same name, same hardware and labels as the source.
        if (!hasSpec(existing, source)) throw new Conflict(`xen: a VM named ${newName} already exists and is not a clone of ${source.name}`);
        progress(1);
        return existing;
      }
      // XAPI clones only a halted VM (VM_BAD_POWER_STATE otherwise), copying other_config and so the labels.
      const copyRef = await this.#task('VM.clone', [ref, newName], progressSpan(progress, 0, 0.95));
      const copy = await this.#requireVm(copyRef);
      progress(1);
      return copy;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
  }

  // ── Machinery ─────────────────────────────────────────────────────────────────────────────────

  async #guard<T>(action: string, body: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Fatal('xen: driver is closed');
    try {
      return await body();
    } catch (error) {
      throw toDriverError(error, action);
    }
  }

  #call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.#client.call<T>(method, ...args);
  }

  /** Runs `Async.<method>` to its end, its progress going to `progress`; returns the task's result. */
  #task(method: string, args: unknown[], progress: ProgressCallback): Promise<string> {
    return runTask(this.#client, method, args, this.#taskTimeoutMs, { onProgress: progress, pollIntervalMs: this.#pollIntervalMs });
  }

  #powerOperation(
    action: string,
    ref: string,
    options: OperationOptions | undefined,
    work: (progress: ProgressCallback) => Promise<unknown>,
  ): Promise<Vm> {
    return this.#guard(action, async () => {
      const progress = begin(options);
      await work(progressSpan(progress, 0, 0.95));
      const vm = await this.#requireVm(ref);
      progress(1);
      return vm;
    });
  }

  /**
   * Asks the guest (clean shutdown or reboot) and waits `timeoutMs`; when the guest refuses or is
   * still at it, pulls the plug (hard shutdown or reboot), which makes XAPI cancel the clean task.
   */
  async #askThenForce(ref: string, clean: string, hard: string, timeoutMs: number, progress: ProgressCallback): Promise<void> {
    const task = await startTask(this.#client, clean, [ref]);
    const outcome = await waitForTask(this.#client, task, clean, timeoutMs, {
      onProgress: progressSpan(progress, 0, 0.6),
      pollIntervalMs: this.#pollIntervalMs,
    });
    if (outcome.status !== 'pending') await forgetTask(this.#client, task);
    if (outcome.status === 'success') return;
    if (outcome.status === 'failure' && !GUEST_DID_NOT_COOPERATE.has(outcome.error.code)) throw outcome.error;
    try {
      await this.#task(hard, [ref], progressSpan(progress, 0.6, 1));
    } catch (error) {
      // The guest finished shutting down just as we gave up on it.
      const haltedMeanwhile = hard === 'VM.hard_shutdown' && isXapiError(error, 'VM_BAD_POWER_STATE') && error.params[2] === 'halted';
      if (!haltedMeanwhile) throw error;
    } finally {
      if (outcome.status === 'pending') await forgetTask(this.#client, task);
    }
  }

  /** The VM record, or null when XAPI does not know the reference. */
  async #vmRecord(ref: string): Promise<VmRecord | null> {
    return (await this.#call<VmRecord>('VM.get_record', ref).catch(unless('HANDLE_INVALID'))) ?? null;
  }

  async #requireGuestRecord(ref: string): Promise<VmRecord> {
    const record = await this.#vmRecord(ref);
    if (!record || !isGuest(record)) throw new NotFound(`xen: no VM with ref ${ref}`);
    return record;
  }

  async #readVm(ref: string): Promise<Vm | null> {
    const record = await this.#vmRecord(ref);
    if (!record || !isGuest(record)) return null;
    return toVm(ref, record, await this.#rootDiskBytes(record));
  }

  async #requireVm(ref: string): Promise<Vm> {
    const vm = await this.#readVm(ref);
    if (!vm) throw new NotFound(`xen: no VM with ref ${ref}`);
    return vm;
  }

  /** XAPI does not keep names unique; the first guest with the name is the one (templates and snapshots share names freely). */
  async #findVm(name: string): Promise<Vm | null> {
    for (const ref of await this.#call<string[]>('VM.get_by_name_label', name)) {
      const vm = await this.#readVm(ref);
      if (vm) return vm;
    }
    return null;
  }

  async #vbdsOf(record: VmRecord): Promise<VbdRecord[]> {
    const vbds = await Promise.all(record.VBDs.map((vbd) => this.#call<VbdRecord>('VBD.get_record', vbd).catch(unless('HANDLE_INVALID'))));
    return vbds.filter((vbd): vbd is VbdRecord => vbd !== undefined);
  }

  async #rootDiskBytes(record: VmRecord): Promise<number> {
    const root = rootDisk(await this.#vbdsOf(record));
    return root ? xapiInt(await this.#call<number | string>('VDI.get_virtual_size', root.VDI)) : 0;
  }

  async #findTemplate(): Promise<string> {
    for (const ref of await this.#call<string[]>('VM.get_by_name_label', this.#template)) {
      const record = await this.#vmRecord(ref);
      if (record?.is_a_template && !record.is_a_snapshot && !record.other_config[CREATING_MARKER]) return ref;
    }
    throw new Fatal(
      `xen: no template named "${this.#template}" on ${this.#client.origin}; set the xen template to the name of an existing template`,
    );
  }

  /** Template clones a crashed create left under `name` (they carry the marker; nobody else's do). */
  async #clearUnfinishedCreations(name: string): Promise<void> {
    for (const ref of await this.#call<string[]>('VM.get_by_name_label', name)) {
      const record = await this.#vmRecord(ref);
      if (record?.is_a_template && !record.is_a_snapshot && record.other_config[CREATING_MARKER]) await this.#destroyWithDisks(ref, () => {});
    }
  }

  /**
   * Gives the template clone the spec while it is still a template: labels and the creation marker
   * in other_config, the disk size (in the provisioning spec, or by growing the template's own
   * disk), the VCPUs and the memory.
   */
  async #shapeNewVm(ref: string, spec: VmSpec, progress: ProgressCallback): Promise<void> {
    const record = await this.#call<VmRecord>('VM.get_record', ref);
    const diskBytes = spec.diskGiB * GIB;
    const otherConfig: Record<string, string> = { ...withLabels(record.other_config, spec.labels), [CREATING_MARKER]: 'true' };
    const provisioned = otherConfig.disks !== undefined;
    if (provisioned) otherConfig.disks = sizeProvisionDisks(otherConfig.disks, diskBytes, await this.#provisioningSr());
    await this.#call('VM.set_other_config', ref, otherConfig);
    if (!provisioned) await this.#growTemplateDisk(record, spec, progress);
    // XAPI keeps 0 < VCPUs_at_startup ≤ VCPUs_max at every step: raise the maximum first, lower it last.
    const raising = spec.vcpus > xapiInt(record.VCPUs_max);
    const [first, second] = raising ? ['VM.set_VCPUs_max', 'VM.set_VCPUs_at_startup'] : ['VM.set_VCPUs_at_startup', 'VM.set_VCPUs_max'];
    await this.#call(first, ref, spec.vcpus);
    await this.#call(second, ref, spec.vcpus);
    const memory = spec.memoryMiB * MIB;
    await this.#call('VM.set_memory_limits', ref, Math.min(xapiInt(record.memory_static_min), memory), memory, memory, memory);
  }

  async #growTemplateDisk(record: VmRecord, spec: VmSpec, progress: ProgressCallback): Promise<void> {
    const root = rootDisk(await this.#vbdsOf(record));
    if (!root) {
      throw new Fatal(
        `xen: template "${this.#template}" has neither a disk nor a provisioning spec (other_config:disks); its VMs would have no disk`,
      );
    }
    const size = xapiInt(await this.#call<number | string>('VDI.get_virtual_size', root.VDI));
    const wanted = spec.diskGiB * GIB;
    if (size > wanted) {
      throw new Fatal(
        `xen: template "${this.#template}" has a ${size / GIB} GiB disk, larger than the ${spec.diskGiB} GiB asked for; XAPI cannot shrink disks`,
      );
    }
    if (size < wanted) await this.#task('VDI.resize', [root.VDI, wanted], progress);
  }

  async #provisioningSr(): Promise<string> {
    if (this.#srUuid) return this.#srUuid;
    const [pool] = Object.values(await this.#call<Record<string, PoolRecord>>('pool.get_all_records'));
    if (!pool || isNullRef(pool.default_SR)) throw new Fatal('xen: the pool has no default SR; set the xen srUuid option');
    return this.#call<string>('SR.get_uuid', pool.default_SR);
  }

  async #snapshotsOf(vm: VmRecord): Promise<Snapshot[]> {
    const snapshots = await Promise.all(
      vm.snapshots.map(async (ref) => {
        const record = await this.#vmRecord(ref);
        return record && toSnapshot(ref, record);
      }),
    );
    return snapshots
      .filter((snapshot): snapshot is Snapshot => snapshot !== null)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.name.localeCompare(b.name));
  }

  async #requireSnapshotOf(ref: string, snapshotRef: string): Promise<VmRecord> {
    await this.#requireGuestRecord(ref);
    const snapshot = await this.#vmRecord(snapshotRef);
    if (!snapshot?.is_a_snapshot || snapshot.snapshot_of !== ref) throw new NotFound(`xen: VM ${ref} has no snapshot ${snapshotRef}`);
    return snapshot;
  }

  /**
   * Destroys a halted VM, snapshot or template and the disks only it uses. XAPI's VM.destroy keeps
   * the VDIs, so they go first (VDI.destroy also removes their VBDs): a destroy cut short and
   * retried still finds the VM and finishes the job.
   */
  async #destroyWithDisks(ref: string, progress: ProgressCallback): Promise<void> {
    const record = await this.#vmRecord(ref);
    if (!record) return;
    const disks = await this.#disksOwnedBy(record);
    for (const [index, vdi] of disks.entries()) {
      const share = progressSpan(progress, index / disks.length, (index + 1) / disks.length);
      await this.#task('VDI.destroy', [vdi], share).catch(unless('HANDLE_INVALID'));
    }
    await this.#call('VM.destroy', ref).catch(unless('HANDLE_INVALID'));
    progress(1);
  }

  /** The VM's disks no other VM uses (shared disks and CDs stay), and its suspend image. */
  async #disksOwnedBy(record: VmRecord): Promise<string[]> {
    const owned: string[] = [];
    for (const vbd of await this.#vbdsOf(record)) {
      if (vbd.type !== 'Disk' || isNullRef(vbd.VDI)) continue;
      const users = await this.#call<string[]>('VDI.get_VBDs', vbd.VDI).catch(unless('HANDLE_INVALID'));
      if (users?.every((user) => record.VBDs.includes(user))) owned.push(vbd.VDI);
    }
    if (!isNullRef(record.suspend_VDI)) owned.push(record.suspend_VDI);
    return owned;
  }
}

function begin(options: OperationOptions | undefined): ProgressCallback {
  const progress = monotonicProgress(options?.onProgress);
  progress(0);
  return progress;
}

/** A catch handler that swallows the XAPI error `code` (the promise then gives undefined) and rethrows anything else. */
function unless(code: string): (error: unknown) => undefined {
  return (error) => {
    if (isXapiError(error, code)) return undefined;
    throw error;
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`xen ${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}
