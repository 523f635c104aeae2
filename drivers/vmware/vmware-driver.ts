import {
  Conflict,
  Fatal,
  NotFound,
  Unsupported,
  type DriverCapabilities,
  type HypervisorDriver,
  type CloneOptions,
  type OperationOptions,
  type PowerState,
  type ProgressCallback,
  type ShutdownOptions,
  type Snapshot,
  type Vm,
  type VmSpec,
} from '../driver.js';
import { monotonicProgress } from '../progress.js';
import { toDriverError } from './fault-mapping.js';
import { describeHardware, sameHardware } from './hardware.js';
import { findDatacenter, resolvePlacement, type Datacenter, type Placement, type PlacementNames } from './placement.js';
import { LazyResult } from './vim/lazy-result.js';
import { moRef, type MoRef } from './vim/managed-object.js';
import { retrieveContained, retrieveObject } from './vim/property-collector.js';
import { waitForTask } from './vim/task-waiter.js';
import { VimClient } from './vim/vim-client.js';
import { isFault } from './vim/vim-errors.js';
import { child, readMoRef, text } from './vim/xml-reader.js';
import { el, moRefElement, type XmlContent } from './vim/xml-writer.js';
import { cloneSpec, newVmConfigSpec } from './vm-config-spec.js';
import { readVmRecord, SNAPSHOT_PROPERTY, VM_PROPERTIES, type SnapshotRecord, type VmRecord } from './vm-record.js';

export interface VmwareDriverOptions extends PlacementNames {
  /** vCenter (or a single ESXi host): `https://vcenter.example.edu/sdk`; `/sdk` is added when the URL has no path. */
  url: string;
  username: string;
  password: string;
  /** Accept any TLS certificate (self-signed lab servers). Default false. */
  insecure?: boolean;
  /** Guest OS type of new VMs. Default `otherLinux64Guest`. */
  guestId?: string;
  /** How long `shutdown` waits for the guest when the caller gives no `timeoutMs`. Default 120 s. */
  shutdownTimeoutMs?: number;
  /** A SOAP request without an answer for this long fails as Transient. Default 60 s. */
  requestTimeoutMs?: number;
  /** Longest pause between two polls of a vSphere task or a guest shutting down. Default 1 s. */
  pollIntervalMs?: number;
  /** A vSphere task still queued or running after this long fails as Transient. Default 30 min. */
  taskTimeoutMs?: number;
}

/**
 * Runs VMs on vSphere through the vim25 SOAP API. VMs are found in the datacenter's VM folder;
 * new ones go to the configured cluster (or host), datastore and port group. Every operation
 * reads the VM back afterwards and fails as Fatal when vSphere said "success" but the VM is not
 * in the state it should be, so a platform that silently does nothing cannot pass for working.
 *
 * VM refs are MoRef ids (`vm-42`), snapshot refs too (`snapshot-7`). Templates are not VMs here.
 */
export class VmwareDriver implements HypervisorDriver {
  readonly name = 'vmware';
  readonly capabilities: DriverCapabilities = { suspend: true, snapshots: true, clone: true, gracefulShutdown: true, resize: false };

  readonly #client: VimClient;
  readonly #options: VmwareDriverOptions;
  readonly #datacenter: LazyResult<Datacenter>;
  readonly #placement: LazyResult<Placement>;
  #closed = false;

  constructor(options: VmwareDriverOptions) {
    this.#options = options;
    this.#client = new VimClient(options);
    this.#datacenter = new LazyResult(() => findDatacenter(this.#client, options.datacenter));
    this.#placement = new LazyResult(async () => resolvePlacement(this.#client, await this.#datacenter.get(), options));
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────

  list(): Promise<Vm[]> {
    return this.#run('list VMs', async () => {
      const { vmFolder } = await this.#datacenter.get();
      const contents = await retrieveContained(this.#client, vmFolder, [{ type: 'VirtualMachine', paths: VM_PROPERTIES }]);
      return contents.map(readVmRecord).filter((record) => !record.template).map((record) => record.vm);
    });
  }

  get(ref: string): Promise<Vm | null> {
    return this.#run(`get ${ref}`, async () => (await this.#read(ref))?.vm ?? null);
  }

  findByName(name: string): Promise<Vm | null> {
    return this.#run(`find VM ${name}`, async () => (await this.#findByName(name))?.vm ?? null);
  }

  // ── Lifecycle ─────────────────────────────────────────────────────────────────────────────────

  create(spec: VmSpec, options?: OperationOptions): Promise<Vm> {
    return this.#run(`create ${spec.name}`, async () => {
      validateSpec(spec);
      const progress = begin(options);
      const existing = await this.#findByName(spec.name);
      // A retried task step creates again; the same spec means it is the VM that step made.
      if (existing) return sameOrConflict(existing.vm, spec, progress);
      const [{ vmFolder }, placement] = await Promise.all([this.#datacenter.get(), this.#placement.get()]);
      const guestId = this.#options.guestId ?? 'otherLinux64Guest';
      let created: MoRef;
      try {
        created = await this.#runTaskForResult('CreateVM_Task', vmFolder, within(progress, 0, 0.9), [
          newVmConfigSpec(spec, placement, guestId),
          moRefElement('pool', placement.resourcePool),
        ]);
      } catch (error) {
        // Another worker created the name meanwhile; vCenter refuses a second VM of that name in the folder.
        const raced = isFault(error, 'DuplicateName') ? await this.#findByName(spec.name) : null;
        if (raced) return sameOrConflict(raced.vm, spec, progress);
        throw error;
      }
      const { vm } = await this.#require(created.value);
      if (!sameHardware(vm, spec) || vm.powerState !== 'stopped') {
        throw new Fatal(`vmware: CreateVM_Task made ${vm.ref}, which reads back as ${vm.powerState}, ${describeHardware(vm)}; asked for ${describeHardware(spec)}`);
      }
      progress(1);
      return vm;
    });
  }

  start(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition('start', ref, options, ['stopped'], 'running', (vm, progress) => this.#runTask('PowerOnVM_Task', vm, progress));
  }

  shutdown(ref: string, options?: ShutdownOptions): Promise<Vm> {
    const timeoutMs = options?.timeoutMs ?? this.#options.shutdownTimeoutMs ?? 120_000;
    return this.#transition('shut down', ref, options, ['running'], 'stopped', (vm, progress) => this.#shutdownGuest(vm, timeoutMs, progress));
  }

  powerOff(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition('power off', ref, options, ['running', 'suspended'], 'stopped', (vm, progress) => this.#runTask('PowerOffVM_Task', vm, progress));
  }

  reboot(ref: string, options?: OperationOptions): Promise<Vm> {
    // A reset, not RebootGuest: a guest reboot cannot be told apart from no reboot at all, and a hung guest would ignore it.
    return this.#transition('reboot', ref, options, ['running'], 'running', (vm, progress) => this.#runTask('ResetVM_Task', vm, progress));
  }

  suspend(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition('suspend', ref, options, ['running'], 'suspended', (vm, progress) => this.#runTask('SuspendVM_Task', vm, progress));
  }

  resume(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition('resume', ref, options, ['suspended'], 'running', (vm, progress) => this.#runTask('PowerOnVM_Task', vm, progress));
  }

  destroy(ref: string, options?: OperationOptions): Promise<void> {
    return this.#run(`destroy ${ref}`, async () => {
      const progress = begin(options);
      const record = await this.#read(ref);
      // A VM already gone is success: a retried destroy has nothing left to do.
      if (record) {
        const vm = vmRef(ref);
        if (record.vm.powerState !== 'stopped') await this.#powerOffUnlessStopped(vm, within(progress, 0, 0.3));
        try {
          await this.#runTask('Destroy_Task', vm, within(progress, 0.3, 0.95));
        } catch (error) {
          if (!isFault(error, 'ManagedObjectNotFound')) throw error;
        }
        if (await this.#read(ref)) throw new Fatal(`vmware: Destroy_Task of ${ref} reported success, but the VM is still there`);
      }
      progress(1);
    });
  }

  // ── Snapshots and clones ──────────────────────────────────────────────────────────────────────

  createSnapshot(ref: string, name: string, options?: OperationOptions): Promise<Snapshot> {
    return this.#run(`snapshot ${ref} as ${name}`, async () => {
      const progress = begin(options);
      const { vm, snapshots } = await this.#require(ref);
      // A retried step finds the snapshot it took; the driver keeps snapshot names unique per VM.
      const existing = snapshots.find((snapshot) => snapshot.name === name);
      if (existing) {
        progress(1);
        return toSnapshot(existing);
      }
      const taken = await this.#runTaskForResult('CreateSnapshot_Task', vmRef(ref), within(progress, 0, 0.95), [
        el('name', name),
        el('description', 'taken by hostgraph'),
        // With memory, a running VM's snapshot reverts to running; without, to powered off.
        el('memory', vm.powerState === 'running'),
        el('quiesce', false),
      ]);
      const snapshot = (await this.#require(ref)).snapshots.find((candidate) => candidate.ref === taken.value);
      if (!snapshot) throw new Fatal(`vmware: CreateSnapshot_Task on ${ref} reported ${taken.value}, but the VM has no such snapshot`);
      progress(1);
      return toSnapshot(snapshot);
    });
  }

  listSnapshots(ref: string): Promise<Snapshot[]> {
    return this.#run(`list snapshots of ${ref}`, async () => (await this.#require(ref)).snapshots.map(toSnapshot));
  }

  revertSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<Vm> {
    return this.#run(`revert ${ref} to ${snapshotRef}`, async () => {
      const progress = begin(options);
      const snapshot = requireSnapshot(await this.#require(ref), snapshotRef);
      await this.#runTask('RevertToSnapshot_Task', moRef('VirtualMachineSnapshot', snapshotRef), within(progress, 0, 0.7));
      // vCenter restores the power state the snapshot captured; vcsim only moves its "current
      // snapshot" pointer. Bring the VM there either way (a no-op on vCenter).
      await this.#settlePowerState(ref, snapshot.powerState, within(progress, 0.7, 0.95));
      return this.#expectState(ref, snapshot.powerState, `revert to ${snapshot.name}`, progress);
    });
  }

  deleteSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<void> {
    return this.#run(`delete snapshot ${snapshotRef} of ${ref}`, async () => {
      const progress = begin(options);
      requireSnapshot(await this.#require(ref), snapshotRef);
      await this.#runTask('RemoveSnapshot_Task', moRef('VirtualMachineSnapshot', snapshotRef), within(progress, 0, 0.95), [
        el('removeChildren', false),
        el('consolidate', true),
      ]);
      if ((await this.#require(ref)).snapshots.some((snapshot) => snapshot.ref === snapshotRef)) {
        throw new Fatal(`vmware: RemoveSnapshot_Task of ${snapshotRef} reported success, but ${ref} still has it`);
      }
      progress(1);
    });
  }

  /** Not implemented for vmware yet: declared in `capabilities.resize`. */
  async resize(): Promise<Vm> {
    throw new Unsupported('vmware: resizing a VM is not supported by this driver yet');
  }

  /** `options.seed` is ignored: this driver seeds no guest at create either, so a clone boots as the copy of its source it is. */
  clone(ref: string, newName: string, options?: CloneOptions): Promise<Vm> {
    return this.#run(`clone ${ref} as ${newName}`, async () => {
      const progress = begin(options);
      const source = (await this.#require(ref)).vm;
      const existingClone = async () => {
        const existing = await this.#findByName(newName);
        if (existing && (existing.vm.ref === ref || !sameHardware(existing.vm, source))) {
          throw new Conflict(`vmware: a VM named ${newName} already exists (${existing.vm.ref}) and is not a clone of ${source.name}`);
        }
        return existing?.vm;
      };
      // A retried clone step finds its clone: same name, same hardware and labels as the source.
      const existing = await existingClone();
      if (existing) return done(existing, progress);
      const [{ vmFolder }, placement] = await Promise.all([this.#datacenter.get(), this.#placement.get()]);
      let cloned: MoRef;
      try {
        // Clones are full copies without the source's snapshots; vSphere clones any power state.
        cloned = await this.#runTaskForResult('CloneVM_Task', vmRef(ref), within(progress, 0, 0.9), [
          moRefElement('folder', vmFolder),
          el('name', newName),
          cloneSpec(placement, source.labels),
        ]);
      } catch (error) {
        const raced = isFault(error, 'DuplicateName') ? await existingClone() : undefined;
        if (raced) return done(raced, progress);
        throw error;
      }
      const { vm } = await this.#require(cloned.value);
      if (!sameHardware(vm, source) || vm.powerState !== 'stopped') {
        throw new Fatal(`vmware: CloneVM_Task made ${vm.ref}, which reads back as ${vm.powerState}, ${describeHardware(vm)}; the source is ${describeHardware(source)}`);
      }
      return done(vm, progress);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
  }

  // ── Machinery ─────────────────────────────────────────────────────────────────────────────────

  /** Every public call: refuses a closed driver, and turns whatever vSphere threw into a DriverError. */
  async #run<T>(doing: string, body: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Fatal('vmware: driver is closed');
    try {
      return await body();
    } catch (error) {
      throw toDriverError(error, doing);
    }
  }

  /** A power operation: checks the state first (vcsim does not refuse, say, suspending a stopped VM), acts, reads back. */
  #transition(
    operation: string,
    ref: string,
    options: OperationOptions | undefined,
    allowed: PowerState[],
    expected: PowerState,
    act: (vm: MoRef, progress: ProgressCallback) => Promise<unknown>,
  ): Promise<Vm> {
    return this.#run(`${operation} ${ref}`, async () => {
      const progress = begin(options);
      const { vm } = await this.#require(ref);
      if (!allowed.includes(vm.powerState)) {
        throw new Conflict(`vmware: cannot ${operation} VM ${vm.name}: it is ${vm.powerState} (needs ${allowed.join(' or ')})`);
      }
      await act(vmRef(ref), within(progress, 0, 0.95));
      return this.#expectState(ref, expected, operation, progress);
    });
  }

  /** Reads the VM back: the state vSphere reports is the result, not what the task said. */
  async #expectState(ref: string, expected: PowerState, operation: string, progress: ProgressCallback): Promise<Vm> {
    const { vm } = await this.#require(ref);
    if (vm.powerState !== expected) {
      throw new Fatal(`vmware: ${operation} of ${vm.name} reported success, but the VM is ${vm.powerState}, not ${expected}`);
    }
    progress(1);
    return vm;
  }

  /**
   * Asks the guest to shut down (ShutdownGuest returns once VMware Tools got the request), waits
   * for the VM to power off, and powers it off when the guest has not within `timeoutMs`.
   */
  async #shutdownGuest(vm: MoRef, timeoutMs: number, progress: ProgressCallback): Promise<void> {
    try {
      await this.#client.invoke('ShutdownGuest', vm);
    } catch (error) {
      // No VMware Tools running in the guest: nobody to ask, so waiting would only delay the power-off.
      if (!isFault(error, 'ToolsUnavailable')) throw error;
      return this.#powerOffUnlessStopped(vm, progress);
    }
    const deadline = Date.now() + timeoutMs;
    let pauseMs = 50;
    while ((await this.#powerState(vm)) === 'running') {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) return this.#powerOffUnlessStopped(vm, within(progress, 0.9, 1));
      progress(0.9 * (1 - remainingMs / timeoutMs));
      await sleep(Math.min(pauseMs, remainingMs));
      pauseMs = Math.min(pauseMs * 2, this.#pollIntervalMs);
    }
  }

  async #powerOffUnlessStopped(vm: MoRef, progress: ProgressCallback): Promise<void> {
    try {
      await this.#runTask('PowerOffVM_Task', vm, progress);
    } catch (error) {
      // It went down meanwhile (the guest finished shutting down, another worker): what we wanted.
      if (!isFault(error, 'InvalidPowerState') || (await this.#powerState(vm)) !== 'stopped') throw error;
    }
  }

  async #settlePowerState(ref: string, target: PowerState, progress: ProgressCallback): Promise<void> {
    const vm = vmRef(ref);
    const current = await this.#powerState(vm);
    if (current === target) return;
    if (target === 'stopped') return this.#powerOffUnlessStopped(vm, progress);
    if (current !== 'running') await this.#runTask('PowerOnVM_Task', vm, within(progress, 0, 0.5));
    if (target === 'suspended') await this.#runTask('SuspendVM_Task', vm, within(progress, 0.5, 1));
  }

  /** Starts a vSphere task and waits for it to end; returns `info.result`. */
  async #runTask(method: string, target: MoRef, progress: ProgressCallback, parameters: XmlContent[] = []): Promise<Element | undefined> {
    const task = readMoRef(child(await this.#client.invoke(method, target, ...parameters), 'returnval')!);
    return waitForTask(this.#client, task, progress, {
      pollIntervalMs: this.#pollIntervalMs,
      timeoutMs: this.#options.taskTimeoutMs ?? 30 * 60_000,
    });
  }

  /** A task whose result is the object it made (a VM, a snapshot). */
  async #runTaskForResult(method: string, target: MoRef, progress: ProgressCallback, parameters: XmlContent[]): Promise<MoRef> {
    const result = await this.#runTask(method, target, progress, parameters);
    if (!result) throw new Fatal(`vmware: ${method} on ${target.value} succeeded without saying what it made`);
    return readMoRef(result);
  }

  get #pollIntervalMs(): number {
    return this.#options.pollIntervalMs ?? 1000;
  }

  async #powerState(vm: MoRef): Promise<PowerState> {
    const content = await retrieveObject(this.#client, vm, ['runtime.powerState']);
    if (!content) throw new NotFound(`vmware: no VM ${vm.value}`);
    return readVmRecord(content).vm.powerState;
  }

  /** The VM with its snapshots; `null` when there is no such VM (or it is a template). */
  async #read(ref: string): Promise<VmRecord | null> {
    const content = await retrieveObject(this.#client, vmRef(ref), [...VM_PROPERTIES, SNAPSHOT_PROPERTY]);
    const record = content && readVmRecord(content);
    return record && !record.template ? record : null;
  }

  async #require(ref: string): Promise<VmRecord> {
    const record = await this.#read(ref);
    if (!record) throw new NotFound(`vmware: no VM ${ref}`);
    return record;
  }

  /** Names are unique per folder in vSphere, not per datacenter; two VMs of one name are a Conflict. */
  async #findByName(name: string): Promise<VmRecord | null> {
    const { vmFolder } = await this.#datacenter.get();
    const contents = await retrieveContained(this.#client, vmFolder, [{ type: 'VirtualMachine', paths: ['name', 'config.template'] }]);
    const matches = contents.filter(
      (content) => unescapeEntityName(text(content.properties.get('name')) ?? '') === name && text(content.properties.get('config.template')) !== 'true',
    );
    if (matches.length > 1) {
      throw new Conflict(`vmware: ${matches.length} VMs are named ${name} (${matches.map((match) => match.obj.value).join(', ')})`);
    }
    return matches.length === 1 ? this.#read(matches[0].obj.value) : null;
  }
}

function vmRef(ref: string): MoRef {
  return moRef('VirtualMachine', ref);
}

/** vSphere stores `%`, `/` and `\` in entity names escaped (`%25`, `%2f`, `%5c`). */
function unescapeEntityName(name: string): string {
  return name.replace(/%(25|2f|5c)/gi, (escape) => decodeURIComponent(escape));
}

function begin(options: OperationOptions | undefined): ProgressCallback {
  const progress = monotonicProgress(options?.onProgress);
  progress(0);
  return progress;
}

/** Maps a step's own 0–1 onto the part `from`–`to` of the operation's progress. */
function within(progress: ProgressCallback, from: number, to: number): ProgressCallback {
  return (fraction) => progress(from + (to - from) * fraction);
}

function done(vm: Vm, progress: ProgressCallback): Vm {
  progress(1);
  return vm;
}

function sameOrConflict(existing: Vm, spec: VmSpec, progress: ProgressCallback): Vm {
  if (!sameHardware(existing, spec)) {
    throw new Conflict(`vmware: a VM named ${spec.name} already exists (${existing.ref}) with ${describeHardware(existing)}, not ${describeHardware(spec)}`);
  }
  return done(existing, progress);
}

function requireSnapshot(record: VmRecord, snapshotRef: string): SnapshotRecord {
  const snapshot = record.snapshots.find((candidate) => candidate.ref === snapshotRef);
  if (!snapshot) throw new NotFound(`vmware: VM ${record.vm.name} has no snapshot ${snapshotRef}`);
  return snapshot;
}

function toSnapshot({ ref, name, createdAt }: SnapshotRecord): Snapshot {
  return { ref, name, createdAt };
}

function validateSpec(spec: VmSpec): void {
  const problems: string[] = [];
  if (typeof spec.name !== 'string' || spec.name.trim() === '') problems.push('name is empty');
  else if (spec.name.length > 80) problems.push('name is longer than the 80 characters vSphere allows');
  for (const field of ['vcpus', 'memoryMiB', 'diskGiB'] as const) {
    if (!Number.isInteger(spec[field]) || spec[field] <= 0) problems.push(`${field} must be a positive integer`);
  }
  for (const [key, value] of Object.entries(spec.labels ?? {})) {
    if (typeof value !== 'string') problems.push(`label ${key} must be a string`);
  }
  if (problems.length) throw new Fatal(`vmware: invalid VM spec: ${problems.join(', ')}`);
}

/** The global timer, so tests can drive the shutdown wait with fake timers. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
