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
  #wake: (() => void) | null = null;

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

  #hold(operation: string, options: OperationOptions | undefined): Promise<void> {
    return new Promise((release) => {
      this.#held.push({ operation, report: monotonicProgress(options?.onProgress), release: () => release() });
      this.#wake?.();
      this.#wake = null;
    });
  }
}
