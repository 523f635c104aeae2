import type { OperationOptions, Vm, VmSpec } from '../../drivers/driver.js';
import { monotonicProgress } from '../../drivers/progress.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';

/** A hypervisor operation paused by the benchmark: it reports progress when told and finishes when released. */
export interface HeldOperation {
  operation: string;
  report(fraction: number): void;
  release(): void;
}

/**
 * The sim hypervisor, except that `create` and `start` wait for the benchmark. The worker then
 * publishes a task event exactly when the benchmark reports progress, so subscribers can be
 * connected first and each event can be timed on its own.
 */
export class HeldSimDriver extends SimDriver {
  readonly #held: HeldOperation[] = [];
  readonly #unreleased = new Set<() => void>();
  #wake: (() => void) | null = null;
  #letGo = false;

  constructor() {
    super({ store: new MemorySimVmStore() });
  }

  override async create(spec: VmSpec, options?: OperationOptions): Promise<Vm> {
    await this.#hold('create', options);
    return super.create(spec, options);
  }

  override async start(ref: string, options?: OperationOptions): Promise<Vm> {
    await this.#hold('start', options);
    return super.start(ref, options);
  }

  /** The next operation the worker has started, once it has. */
  async nextHeld(): Promise<HeldOperation> {
    while (this.#held.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    return this.#held.shift()!;
  }

  /** Lets every held operation finish, and later ones pass: a benchmark that failed can still shut down. */
  releaseAll(): void {
    this.#letGo = true;
    for (const release of this.#unreleased) release();
  }

  #hold(operation: string, options: OperationOptions | undefined): Promise<void> {
    if (this.#letGo) return Promise.resolve();
    return new Promise((resolve) => {
      const release = () => {
        this.#unreleased.delete(release);
        resolve();
      };
      this.#unreleased.add(release);
      this.#held.push({ operation, report: monotonicProgress(options?.onProgress), release });
      this.#wake?.();
      this.#wake = null;
    });
  }
}
