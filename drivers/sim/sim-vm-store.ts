import type { PowerState } from '../driver.js';

/** What a snapshot captured, so reverting restores both the power state and the hardware. */
export interface SimSnapshotRecord {
  ref: string;
  name: string;
  /** ISO 8601; records are JSON so they survive the database unchanged. */
  createdAt: string;
  powerState: PowerState;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  labels: Record<string, string>;
}

export interface SimSeedRecord {
  hostname: string;
  users: { name: string; uid?: number; sshKeys: string[] }[];
  hostKeys: { type: string; publicKey: string }[];
}

/** One sim VM as the store keeps it: everything the sim hypervisor knows about it. */
export interface SimVmRecord {
  ref: string;
  name: string;
  powerState: PowerState;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  labels: Record<string, string>;
  /**
   * What the guest was seeded with at create or clone, as a test reads it back (`SimDriver.seedOf`):
   * the host name, users and the public halves of the host keys. Private halves are not kept. A
   * clone given no seed keeps its source's, as a copied disk would. Absent on records made before.
   */
  seed?: SimSeedRecord | null;
  /** The guest ignores ACPI requests (set by a test hook); shutdown then waits for its timeout. */
  hungGuest: boolean;
  snapshots: SimSnapshotRecord[];
  /**
   * Optimistic-lock counter kept by the store: the version this record was read at (0 for a VM not
   * yet stored). Several workers may drive one sim hypervisor; a write based on a stale read is refused.
   */
  version: number;
}

/**
 * Where the sim hypervisor keeps its VMs. Every driver call reads from here, never from a cache,
 * so several worker processes sharing one store see one hypervisor.
 */
export interface SimVmStore {
  list(): Promise<SimVmRecord[]>;
  get(ref: string): Promise<SimVmRecord | null>;
  findByName(name: string): Promise<SimVmRecord | null>;
  /**
   * Compare-and-set. `record.version` is the version the caller read (0 = new VM). Stores the record
   * as version + 1 and returns true, or returns false when the stored version is no longer
   * `record.version` (someone else wrote first) or, for a new VM, when its name or ref is taken.
   */
  put(record: SimVmRecord): Promise<boolean>;
  /** Removing a record that is not there is not an error. */
  delete(ref: string): Promise<void>;
}
