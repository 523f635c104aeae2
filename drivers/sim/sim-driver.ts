import { randomUUID } from 'node:crypto';
import {
  type CloneOptions,
  Conflict,
  DriverError,
  Fatal,
  NotFound,
  Transient,
  Unsupported,
  type DriverCapabilities,
  type Hardware as VmHardware,
  type HypervisorDriver,
  type OperationOptions,
  type PowerState,
  type ProgressCallback,
  type ShutdownOptions,
  type Snapshot,
  type Vm,
  type VmSpec,
} from '../driver.js';
import { monotonicProgress } from '../progress.js';
import type { SimSeedRecord, SimSnapshotRecord, SimVmRecord, SimVmStore } from './sim-vm-store.js';

export const SIM_OPERATIONS = [
  'list',
  'get',
  'findByName',
  'create',
  'start',
  'shutdown',
  'powerOff',
  'reboot',
  'suspend',
  'resume',
  'destroy',
  'createSnapshot',
  'listSnapshots',
  'revertSnapshot',
  'deleteSnapshot',
  'clone',
  'resize',
] as const;
export type SimOperation = (typeof SIM_OPERATIONS)[number];

export interface SimDriverOptions {
  store: SimVmStore;
  /** How long every operation takes, like a real hypervisor would. Default 0. */
  latencyMs?: number;
  /** `operation` → probability 0–1 that a call fails with Transient before doing anything. */
  faults?: Record<string, number>;
  /** Turn capabilities off to see how callers cope with a platform that lacks them. Default: all on. */
  capabilities?: Partial<DriverCapabilities>;
  /** How long `shutdown` waits for a hung guest when the caller gives no `timeoutMs`. Default 30 s. */
  shutdownTimeoutMs?: number;
  /** Source of randomness for `faults`; tests pass a fixed one. */
  random?: () => number;
}

/** When an injected fault fires: before the operation does anything, or after it took effect (a lost reply). */
export type FaultTiming = 'before' | 'after';

interface InjectedFault {
  operation: SimOperation;
  error: Error;
  remaining: number;
  when: FaultTiming;
}

/** Optimistic-lock retries before giving up on a VM other workers keep changing. */
const MAX_WRITE_ATTEMPTS = 20;

/**
 * An in-memory hypervisor with real semantics, like libvirt's `test:///default`: power states and
 * their legal transitions, snapshots, clones, latency, progress, and faults on demand. Its state
 * lives in a `SimVmStore` and every call reads it afresh, so worker processes sharing the store
 * (a database) drive one hypervisor, and a task resumed by another worker finds what the first did.
 *
 * Clone needs the source stopped (as libvirt's virt-clone and XAPI's VM.clone do); snapshots can
 * be taken in any power state and capture it.
 */
export class SimDriver implements HypervisorDriver {
  readonly name = 'sim';
  readonly capabilities: DriverCapabilities;

  readonly #store: SimVmStore;
  readonly #latencyMs: number;
  readonly #faults: Partial<Record<SimOperation, number>>;
  readonly #shutdownTimeoutMs: number;
  readonly #random: () => number;
  #injected: InjectedFault[] = [];
  #unreachable = false;
  #closed = false;

  constructor(options: SimDriverOptions) {
    const latencyMs = options.latencyMs ?? 0;
    if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`sim latencyMs must be ≥ 0, got ${latencyMs}`);
    for (const [operation, probability] of Object.entries(options.faults ?? {})) {
      // A typo in the chaos configuration would silently test nothing.
      if (!isSimOperation(operation)) throw new Error(`sim faults: unknown operation "${operation}"`);
      if (!(probability >= 0 && probability <= 1)) throw new Error(`sim faults.${operation} must be 0–1, got ${probability}`);
    }
    this.#store = options.store;
    this.#latencyMs = latencyMs;
    this.#faults = options.faults ?? {};
    this.#shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
    this.#random = options.random ?? Math.random;
    this.capabilities = { suspend: true, snapshots: true, clone: true, gracefulShutdown: true, resize: true, ...options.capabilities };
  }

  // ── Test hooks ────────────────────────────────────────────────────────────────────────────────

  /** Makes the next `times` calls of `operation` throw `error`, before or after the call takes effect. */
  injectFault(operation: SimOperation, error: Error, times = 1, when: FaultTiming = 'before'): void {
    this.#injected.push({ operation, error, remaining: times, when });
  }

  /** Models a down host: every call of this driver instance throws Transient until turned off. */
  setUnreachable(unreachable: boolean): void {
    this.#unreachable = unreachable;
  }

  /** The guest ignores ACPI requests, so `shutdown` waits out its timeout and pulls the plug. Stored with the VM. */
  async simulateHungGuest(ref: string, hung = true): Promise<void> {
    await this.#change(ref, () => {}, (vm) => ({ durationMs: 0, result: { ...vm, hungGuest: hung } }));
  }

  /** What the VM was seeded with (its own at create, given or its source's at clone); `null` for none or no such VM. */
  async seedOf(ref: string): Promise<SimSeedRecord | null> {
    return (await this.#storeCall(() => this.#store.get(ref)))?.seed ?? null;
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────

  list(): Promise<Vm[]> {
    return this.#run('list', null, async () => (await this.#storeCall(() => this.#store.list())).map(toVm));
  }

  get(ref: string): Promise<Vm | null> {
    return this.#run('get', null, async () => {
      const record = await this.#storeCall(() => this.#store.get(ref));
      return record ? toVm(record) : null;
    });
  }

  findByName(name: string): Promise<Vm | null> {
    return this.#run('findByName', null, async () => {
      const record = await this.#storeCall(() => this.#store.findByName(name));
      return record ? toVm(record) : null;
    });
  }

  // ── Lifecycle ─────────────────────────────────────────────────────────────────────────────────

  create(spec: VmSpec, options?: OperationOptions): Promise<Vm> {
    return this.#run('create', null, async () => {
      validateSpec(spec);
      const progress = begin(options);
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const existing = await this.#storeCall(() => this.#store.findByName(spec.name));
        if (existing) {
          // A retried task step creates again; the same spec means it is the VM that step made.
          if (!sameHardware(existing, spec)) {
            throw new Conflict(`sim: a VM named ${spec.name} already exists with a different spec`);
          }
          progress(1);
          return toVm(existing);
        }
        await this.#work(this.#latencyMs, progress);
        const record: SimVmRecord = {
          ref: `sim-${randomUUID()}`,
          name: spec.name,
          powerState: 'stopped',
          vcpus: spec.vcpus,
          memoryMiB: spec.memoryMiB,
          diskGiB: spec.diskGiB,
          labels: { ...spec.labels },
          seed: seedRecord(spec.seed),
          hungGuest: false,
          snapshots: [],
          version: 0,
        };
        // Refused when another worker created the name meanwhile; the next round decides.
        if (await this.#storeCall(() => this.#store.put(record))) {
          progress(1);
          return toVm(record);
        }
      }
      throw busy(spec.name);
    });
  }

  start(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition('start', ref, options, (vm) => {
      requireState(vm, 'start', ['stopped']);
      return { durationMs: this.#latencyMs, result: { ...vm, powerState: 'running' } };
    });
  }

  shutdown(ref: string, options?: ShutdownOptions): Promise<Vm> {
    const timeoutMs = options?.timeoutMs ?? this.#shutdownTimeoutMs;
    return this.#transition('shutdown', ref, options, (vm) => {
      requireState(vm, 'shutdown', ['running']);
      // A guest that ignores ACPI is waited for until the timeout, then powered off hard.
      const durationMs = vm.hungGuest ? timeoutMs + this.#latencyMs : this.#latencyMs;
      return { durationMs, result: { ...vm, powerState: 'stopped' } };
    }, 'gracefulShutdown');
  }

  powerOff(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition('powerOff', ref, options, (vm) => {
      requireState(vm, 'powerOff', ['running', 'suspended']);
      return { durationMs: this.#latencyMs, result: { ...vm, powerState: 'stopped' } };
    });
  }

  reboot(ref: string, options?: OperationOptions): Promise<Vm> {
    // A hung guest is reset rather than asked, as `virsh reset` would.
    return this.#transition('reboot', ref, options, (vm) => {
      requireState(vm, 'reboot', ['running']);
      return { durationMs: this.#latencyMs, result: { ...vm, powerState: 'running' } };
    });
  }

  suspend(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition('suspend', ref, options, (vm) => {
      requireState(vm, 'suspend', ['running']);
      return { durationMs: this.#latencyMs, result: { ...vm, powerState: 'suspended' } };
    }, 'suspend');
  }

  resume(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition('resume', ref, options, (vm) => {
      requireState(vm, 'resume', ['suspended']);
      return { durationMs: this.#latencyMs, result: { ...vm, powerState: 'running' } };
    }, 'suspend');
  }

  destroy(ref: string, options?: OperationOptions): Promise<void> {
    return this.#run('destroy', null, async () => {
      const progress = begin(options);
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const vm = await this.#storeCall(() => this.#store.get(ref));
        if (vm && vm.powerState !== 'stopped') {
          // Power off first, as a hypervisor does; others see it stopped before it disappears.
          const stopped = await this.#storeCall(() => this.#store.put({ ...vm, powerState: 'stopped' }));
          if (!stopped) continue;
        }
        if (vm) {
          await this.#work(this.#latencyMs, progress);
          await this.#storeCall(() => this.#store.delete(ref));
        }
        // A VM already gone is success: a retried destroy has nothing left to do.
        progress(1);
        return;
      }
      throw busy(ref);
    });
  }

  // ── Snapshots and clones ──────────────────────────────────────────────────────────────────────

  createSnapshot(ref: string, name: string, options?: OperationOptions): Promise<Snapshot> {
    return this.#run('createSnapshot', 'snapshots', async () => {
      const progress = begin(options);
      // A retried step finds the snapshot it made; names are unique per VM.
      const existing = (await this.#require(ref)).snapshots.find((snapshot) => snapshot.name === name);
      if (existing) {
        progress(1);
        return toSnapshot(existing);
      }
      const snapshotRef = `simsnap-${randomUUID()}`;
      const vm = await this.#change(ref, progress, (current) => {
        if (current.snapshots.some((snapshot) => snapshot.name === name)) {
          throw new Conflict(`sim: VM ${current.name} already has a snapshot named ${name}`);
        }
        const snapshot: SimSnapshotRecord = {
          ref: snapshotRef,
          name,
          createdAt: new Date().toISOString(),
          powerState: current.powerState,
          vcpus: current.vcpus,
          memoryMiB: current.memoryMiB,
          diskGiB: current.diskGiB,
          labels: { ...current.labels },
        };
        return { durationMs: this.#latencyMs, result: { ...current, snapshots: [...current.snapshots, snapshot] } };
      });
      progress(1);
      return toSnapshot(vm.snapshots.find((snapshot) => snapshot.ref === snapshotRef)!);
    });
  }

  listSnapshots(ref: string): Promise<Snapshot[]> {
    return this.#run('listSnapshots', 'snapshots', async () => (await this.#require(ref)).snapshots.map(toSnapshot));
  }

  revertSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition('revertSnapshot', ref, options, (vm) => {
      const snapshot = requireSnapshot(vm, snapshotRef);
      const { powerState, vcpus, memoryMiB, diskGiB, labels } = snapshot;
      return {
        durationMs: this.#latencyMs,
        result: { ...vm, powerState, vcpus, memoryMiB, diskGiB, labels: { ...labels } },
      };
    }, 'snapshots');
  }

  deleteSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<void> {
    return this.#run('deleteSnapshot', 'snapshots', async () => {
      const progress = begin(options);
      await this.#change(ref, progress, (vm) => {
        requireSnapshot(vm, snapshotRef);
        const snapshots = vm.snapshots.filter((snapshot) => snapshot.ref !== snapshotRef);
        return { durationMs: this.#latencyMs, result: { ...vm, snapshots } };
      });
      progress(1);
    });
  }

  clone(ref: string, newName: string, options?: CloneOptions): Promise<Vm> {
    return this.#run('clone', 'clone', async () => {
      const progress = begin(options);
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const source = await this.#require(ref);
        const existing = await this.#storeCall(() => this.#store.findByName(newName));
        if (existing) {
          // A retried clone step finds its clone: same name, same hardware as the source.
          if (!sameHardware(existing, source)) {
            throw new Conflict(`sim: a VM named ${newName} already exists and is not a clone of ${source.name}`);
          }
          progress(1);
          return toVm(existing);
        }
        requireState(source, 'clone', ['stopped']);
        await this.#work(this.#latencyMs, progress);
        const record: SimVmRecord = {
          ...source,
          ref: `sim-${randomUUID()}`,
          name: newName,
          powerState: 'stopped',
          labels: { ...source.labels },
          // Its own identity when given one; else the source's, as a disk copy would carry it.
          seed: options?.seed ? seedRecord(options.seed) : (source.seed ?? null),
          hungGuest: false,
          snapshots: [], // clones start without the source's snapshots, as on every hypervisor
          version: 0,
        };
        if (await this.#storeCall(() => this.#store.put(record))) {
          progress(1);
          return toVm(record);
        }
      }
      throw busy(ref);
    });
  }

  resize(ref: string, hardware: VmHardware, options?: OperationOptions): Promise<Vm> {
    return this.#transition('resize', ref, options, (vm) => {
      validateSpec({ name: vm.name, ...hardware });
      if (hardware.diskGiB < vm.diskGiB) throw new Conflict(`sim: the disk of VM ${vm.name} cannot shrink from ${vm.diskGiB} GiB to ${hardware.diskGiB} GiB`);
      const same = vm.vcpus === hardware.vcpus && vm.memoryMiB === hardware.memoryMiB && vm.diskGiB === hardware.diskGiB;
      return { durationMs: same ? 0 : this.#latencyMs, result: { ...vm, ...hardware } };
    }, 'resize');
  }

  async close(): Promise<void> {
    // The store belongs to whoever made it (it may be the application's database connection).
    this.#closed = true;
  }

  // ── Machinery ─────────────────────────────────────────────────────────────────────────────────

  /** Everything a call goes through: closed driver, down host, injected and random faults. */
  async #run<T>(operation: SimOperation, capability: keyof DriverCapabilities | null, body: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Fatal('sim: driver is closed');
    // A property of the platform, not of the host's health: say so even when the host is down.
    if (capability && !this.capabilities[capability]) {
      throw new Unsupported(`sim: ${operation} is turned off (capabilities.${capability})`);
    }
    if (this.#unreachable) throw new Transient('host unreachable');
    this.#throwInjectedFault(operation, 'before');
    const probability = this.#faults[operation] ?? 0;
    if (probability > 0 && this.#random() < probability) {
      throw new Transient(`sim: random ${operation} failure (faults.${operation} = ${probability})`);
    }
    const result = await body();
    this.#throwInjectedFault(operation, 'after');
    return result;
  }

  #throwInjectedFault(operation: SimOperation, when: FaultTiming): void {
    const fault = this.#injected.find((candidate) => candidate.operation === operation && candidate.when === when);
    if (!fault) return;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#injected = this.#injected.filter((candidate) => candidate !== fault);
    throw fault.error;
  }

  /** A power-state operation: the shared shape of start, shutdown, powerOff, reboot, suspend, resume, revert. */
  #transition(
    operation: SimOperation,
    ref: string,
    options: OperationOptions | undefined,
    plan: (vm: SimVmRecord) => Plan,
    capability: keyof DriverCapabilities | null = null,
  ): Promise<Vm> {
    return this.#run(operation, capability, async () => {
      const progress = begin(options);
      const vm = await this.#change(ref, progress, plan);
      progress(1);
      return toVm(vm);
    });
  }

  /**
   * Reads the VM, lets `plan` check its state and say what it becomes, spends the time the work
   * takes, then writes the result unless another worker changed the VM meanwhile — in which case
   * it starts over from a fresh read, so the checks see what that worker did.
   */
  async #change(ref: string, progress: ProgressCallback, plan: (vm: SimVmRecord) => Plan): Promise<SimVmRecord> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.#require(ref);
      const { durationMs, result } = plan(current);
      await this.#work(durationMs, progress);
      if (await this.#storeCall(() => this.#store.put(result))) return { ...result, version: result.version + 1 };
    }
    throw busy(ref);
  }

  /** The hypervisor at work: takes `durationMs`, half-way reports 0.5. */
  async #work(durationMs: number, progress: ProgressCallback): Promise<void> {
    if (durationMs > 0) await sleep(durationMs / 2);
    progress(0.5);
    if (durationMs > 0) await sleep(durationMs / 2);
  }

  async #require(ref: string): Promise<SimVmRecord> {
    const vm = await this.#storeCall(() => this.#store.get(ref));
    if (!vm) throw new NotFound(`sim: no VM with ref ${ref}`);
    return vm;
  }

  /** The store is this hypervisor's memory: when it fails (database down or busy), the host is unavailable. */
  async #storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof DriverError) throw error;
      throw new Transient(`sim: VM store failed: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }
}

/** The global timer, not node:timers/promises, so tests can drive latency with fake timers. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Plan {
  durationMs: number;
  result: SimVmRecord;
}

function begin(options: OperationOptions | undefined): ProgressCallback {
  const progress = monotonicProgress(options?.onProgress);
  progress(0);
  return progress;
}

function isSimOperation(operation: string): operation is SimOperation {
  return (SIM_OPERATIONS as readonly string[]).includes(operation);
}

function requireState(vm: SimVmRecord, operation: string, allowed: PowerState[]): void {
  if (!allowed.includes(vm.powerState)) {
    throw new Conflict(`sim: cannot ${operation} VM ${vm.name}: it is ${vm.powerState} (needs ${allowed.join(' or ')})`);
  }
}

function requireSnapshot(vm: SimVmRecord, snapshotRef: string): SimSnapshotRecord {
  const snapshot = vm.snapshots.find((candidate) => candidate.ref === snapshotRef);
  if (!snapshot) throw new NotFound(`sim: VM ${vm.name} has no snapshot ${snapshotRef}`);
  return snapshot;
}

function busy(what: string): Transient {
  return new Transient(`sim: ${what} kept changing under this operation (other workers); try again`);
}

function validateSpec(spec: VmSpec): void {
  const problems: string[] = [];
  if (typeof spec.name !== 'string' || spec.name.trim() === '') problems.push('name is empty');
  for (const field of ['vcpus', 'memoryMiB', 'diskGiB'] as const) {
    if (!Number.isInteger(spec[field]) || spec[field] <= 0) problems.push(`${field} must be a positive integer`);
  }
  if (problems.length) throw new Fatal(`sim: invalid VM spec: ${problems.join(', ')}`);
}

type Hardware = Pick<VmSpec, 'vcpus' | 'memoryMiB' | 'diskGiB' | 'labels'>;

function sameHardware(a: Hardware, b: Hardware): boolean {
  return a.vcpus === b.vcpus && a.memoryMiB === b.memoryMiB && a.diskGiB === b.diskGiB && sameLabels(a.labels, b.labels);
}

function sameLabels(a: Record<string, string> = {}, b: Record<string, string> = {}): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/** The seed as the sim keeps it: everything but the private halves of the host keys. */
function seedRecord(seed: VmSpec['seed']): SimSeedRecord | null {
  if (!seed) return null;
  return {
    hostname: seed.hostname,
    users: seed.users.map((user) => ({ ...user, sshKeys: [...user.sshKeys] })),
    hostKeys: (seed.hostKeys ?? []).map(({ type, publicKey }) => ({ type, publicKey: publicKey.trim() })),
  };
}

function toVm(record: SimVmRecord): Vm {
  const { ref, name, powerState, vcpus, memoryMiB, diskGiB, labels } = record;
  return { ref, name, powerState, vcpus, memoryMiB, diskGiB, labels: { ...labels } };
}

function toSnapshot(record: SimSnapshotRecord): Snapshot {
  return { ref: record.ref, name: record.name, createdAt: new Date(record.createdAt) };
}
