import type { HostPlacement, HostResolver } from './host-resolver.js';

interface Entry {
  placement: HostPlacement | null;
  until: number;
}

/**
 * Remembers answers so a sender costs one lookup per `ttlMs`, not one per batch. A name nobody
 * knows is remembered for a tenth of that: a VM being created starts sending before long.
 */
export class CachedHostResolver implements HostResolver {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly inner: HostResolver,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(hostNames: string[]): Promise<Map<string, HostPlacement>> {
    const now = this.now();
    const answer = new Map<string, HostPlacement>();
    const missing: string[] = [];
    for (const name of new Set(hostNames)) {
      const entry = this.entries.get(name);
      if (entry && entry.until > now) {
        if (entry.placement) answer.set(name, entry.placement);
      } else missing.push(name);
    }
    if (missing.length > 0) {
      const found = await this.inner.resolve(missing);
      for (const name of missing) {
        const placement = found.get(name) ?? null;
        this.entries.set(name, { placement, until: now + (placement ? this.ttlMs : this.ttlMs / 10) });
        if (placement) answer.set(name, placement);
      }
    }
    return answer;
  }
}
