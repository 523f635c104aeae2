/**
 * The one interface every hypervisor driver implements. Only the worker calls drivers.
 * Every operation is safe to repeat: the task runtime retries steps after a crash. A repeat either
 * finds its work done and returns it (create, createSnapshot and clone by name; destroy of a VM that
 * is gone) or throws Conflict about the power state (start of a running VM), which a retried step
 * reads back with `get` and treats as done. `test/drivers/conformance.ts` checks all of this for
 * every driver.
 *
 * Which error comes first: Unsupported (a property of the platform) before anything else, then
 * Transient for a host that cannot be reached, then NotFound, then Conflict.
 */

export type PowerState = 'running' | 'stopped' | 'suspended';

export interface VmSpec {
  /** Unique per hypervisor; Hostgraph uses the site's name plus the service (`blog-prod`). */
  name: string;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  /** Free-form metadata kept with the VM (site id, task id) so reconciliation can find its owner. */
  labels?: Record<string, string>;
  /**
   * What the guest sets itself up with on first boot (cloud-init on kvm). Not part of the spec that
   * `create` compares: a retried create with other seed contents returns the VM already made.
   */
  seed?: {
    /** A host name or a fully qualified one (`blog.example.org`). */
    hostname: string;
    /** Accounts created on the VM, each allowed in with its SSH public keys. */
    users: { name: string; uid?: number; sshKeys: string[] }[];
    /** Pre-generated SSH host keys (their SSHFP records are already published); OpenSSH formats. */
    hostKeys?: { type: 'rsa' | 'ecdsa' | 'ed25519'; privateKey: string; publicKey: string }[];
  };
}

export interface Vm {
  /** The hypervisor's own reference (libvirt UUID, XAPI opaque ref, vSphere MoRef, sim id). */
  ref: string;
  name: string;
  powerState: PowerState;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  labels: Record<string, string>;
}

export interface Snapshot {
  ref: string;
  name: string;
  createdAt: Date;
}

/** What the platform can do. An operation whose capability is `false` throws Unsupported. */
export interface DriverCapabilities {
  /** suspend and resume */
  suspend: boolean;
  /** createSnapshot, listSnapshots, revertSnapshot, deleteSnapshot */
  snapshots: boolean;
  clone: boolean;
  /** shutdown; without it callers use powerOff */
  gracefulShutdown: boolean;
  /** resize: new vCPUs, memory and a larger disk for an existing VM */
  resize: boolean;
}

/** What `resize` sets; a disk only grows. */
export interface Hardware {
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

/**
 * Called with a fraction 0–1 that never goes down; an operation that succeeds has reported 1 last.
 * Drivers report through `monotonicProgress` (drivers/progress.ts). The callback must not throw.
 */
export type ProgressCallback = (fraction: number) => void;

export interface OperationOptions {
  onProgress?: ProgressCallback;
}

/** What the guest of a clone boots with: the same shape as a new VM's `VmSpec['seed']`. */
export type GuestSeed = NonNullable<VmSpec['seed']>;

export interface CloneOptions extends OperationOptions {
  /**
   * The clone's own identity (host name, users, host keys), so it does not boot as its source.
   * Without it, a driver with seeds makes the clone's from the source's. Like `create`'s seed, not
   * compared by a retried clone. Drivers without seeds ignore it.
   */
  seed?: GuestSeed;
}

export interface ShutdownOptions extends OperationOptions {
  /** How long to wait for a clean guest shutdown before pulling the plug. */
  timeoutMs?: number;
}

export interface HypervisorDriver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;

  /** Ground truth: every VM the hypervisor has, whoever made it. */
  list(): Promise<Vm[]>;
  /** `null` when the VM does not exist. */
  get(ref: string): Promise<Vm | null>;
  findByName(name: string): Promise<Vm | null>;

  /**
   * Creates the VM stopped. Creating a name that exists with the same spec (labels included)
   * returns that VM, whatever its power state; with a different spec it is a Conflict.
   */
  create(spec: VmSpec, options?: OperationOptions): Promise<Vm>;
  /** stopped → running; Conflict otherwise (a suspended VM is resumed, not started). */
  start(ref: string, options?: OperationOptions): Promise<Vm>;
  /** running → stopped: graceful shutdown; after `timeoutMs` (driver default when absent) a hard power-off. */
  shutdown(ref: string, options?: ShutdownOptions): Promise<Vm>;
  /** running or suspended → stopped, at once. */
  powerOff(ref: string, options?: OperationOptions): Promise<Vm>;
  /** running → running; Conflict when not running. */
  reboot(ref: string, options?: OperationOptions): Promise<Vm>;
  /** running → suspended. */
  suspend(ref: string, options?: OperationOptions): Promise<Vm>;
  /** suspended → running. */
  resume(ref: string, options?: OperationOptions): Promise<Vm>;
  /** Removes the VM (powering it off first), its disks and snapshots. A VM that is already gone is success. */
  destroy(ref: string, options?: OperationOptions): Promise<void>;

  /** In any power state; captures it. A name the VM already has a snapshot for returns that snapshot. */
  createSnapshot(ref: string, name: string, options?: OperationOptions): Promise<Snapshot>;
  listSnapshots(ref: string): Promise<Snapshot[]>;
  /** Restores the power state and hardware the snapshot captured. NotFound for an unknown snapshot. */
  revertSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<Vm>;
  /** NotFound for an unknown snapshot (a retried delete step treats that as done). */
  deleteSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<void>;
  /**
   * A new stopped VM `newName` with the source's hardware and labels, without its snapshots. Every
   * driver clones a stopped source; a driver may refuse other states with Conflict. A clone that
   * already exists under `newName` (same hardware) is returned; another VM with that name is a Conflict.
   * `options.seed` is the clone's identity on drivers with seeds (kvm, sim).
   */
  clone(ref: string, newName: string, options?: CloneOptions): Promise<Vm>;
  /**
   * Gives the VM this hardware, in whatever power state it is (the sim changes it at once, as a
   * hot-plug would). Resizing to the hardware it has is success; a smaller disk is a Conflict.
   */
  resize(ref: string, hardware: Hardware, options?: OperationOptions): Promise<Vm>;

  close(): Promise<void>;
}

/** Errors keep the hypervisor's own words in `message`; the class says what the caller should do. */
export class DriverError extends Error {
  constructor(
    message: string,
    readonly upstream?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
/** The VM or snapshot does not exist. */
export class NotFound extends DriverError {}
/** The VM is in the wrong state for this (start a running VM, suspend a stopped one). */
export class Conflict extends DriverError {}
/** This driver or platform cannot do it; declared in `capabilities`. */
export class Unsupported extends DriverError {}
/** Try again later: host unreachable, busy, timed out. */
export class Transient extends DriverError {}
/** Will not succeed by retrying. */
export class Fatal extends DriverError {}
