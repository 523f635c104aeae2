import type { SimVmRecord, SimVmStore } from './sim-vm-store.js';

/**
 * Keeps sim VMs in this process only (tests, and drivers that need not survive a restart).
 * Records are copied in and out so a caller mutating a record cannot bypass the version check.
 */
export class MemorySimVmStore implements SimVmStore {
  readonly #byRef = new Map<string, SimVmRecord>();

  async list(): Promise<SimVmRecord[]> {
    return [...this.#byRef.values()].sort((a, b) => a.name.localeCompare(b.name)).map((record) => structuredClone(record));
  }

  async get(ref: string): Promise<SimVmRecord | null> {
    const record = this.#byRef.get(ref);
    return record ? structuredClone(record) : null;
  }

  async findByName(name: string): Promise<SimVmRecord | null> {
    for (const record of this.#byRef.values()) {
      if (record.name === name) return structuredClone(record);
    }
    return null;
  }

  async put(record: SimVmRecord): Promise<boolean> {
    const stored = this.#byRef.get(record.ref);
    if (record.version === 0) {
      if (stored || (await this.findByName(record.name))) return false;
    } else if (!stored || stored.version !== record.version || stored.name !== record.name) {
      return false;
    }
    this.#byRef.set(record.ref, structuredClone({ ...record, version: record.version + 1 }));
    return true;
  }

  async delete(ref: string): Promise<void> {
    this.#byRef.delete(ref);
  }
}
