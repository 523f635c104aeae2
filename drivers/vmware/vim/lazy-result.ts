/**
 * A result loaded on first use and kept once it succeeded. A failed load is not kept, so the next
 * use tries again (the server may be back, the inventory fixed).
 */
export class LazyResult<T> {
  readonly #load: () => Promise<T>;
  #pending: Promise<T> | undefined;

  constructor(load: () => Promise<T>) {
    this.#load = load;
  }

  get(): Promise<T> {
    if (!this.#pending) {
      const pending = this.#load();
      this.#pending = pending;
      pending.catch(() => this.forget(pending));
    }
    return this.#pending;
  }

  /** The kept (or pending) result, without loading. */
  get current(): Promise<T> | undefined {
    return this.#pending;
  }

  /** Drops the kept result; with `stale`, only if that is still the kept one (concurrent callers forget once). */
  forget(stale?: Promise<T>): void {
    if (stale === undefined || this.#pending === stale) this.#pending = undefined;
  }
}
