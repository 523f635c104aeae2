export const ALL_SITES = 'all';
export type WantedSites = ReadonlySet<string> | typeof ALL_SITES;

/**
 * One comparison of some sites (or all of them) at a time: calls made while one runs are gathered
 * into one more, so a burst of bus messages costs two comparisons, not one each. A failed
 * comparison is reported and left to the next call (a schedule makes one).
 */
export class GatheredSiteChecks {
  #running: Promise<void> | null = null;
  #wanted: Set<string> | typeof ALL_SITES | null = null;

  constructor(
    private readonly compare: (wanted: WantedSites) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Resolves once the sites asked for have been compared (or the comparison failed). */
  check(sites: readonly string[] | typeof ALL_SITES): Promise<void> {
    this.#wanted = sites === ALL_SITES || this.#wanted === ALL_SITES ? ALL_SITES : new Set([...(this.#wanted ?? []), ...sites]);
    this.#running ??= (async () => {
      while (this.#wanted) {
        const wanted = this.#wanted;
        this.#wanted = null;
        await this.compare(wanted).catch(this.onError);
      }
    })().finally(() => (this.#running = null));
    return this.#running;
  }

  /** Resolves once no comparison runs (for stopping). */
  async idle(): Promise<void> {
    await this.#running;
  }
}
