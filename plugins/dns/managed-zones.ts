import { Fatal } from '../plugin-errors.js';
import { normalizeName } from './dns-record.js';
import { changedName, normalizeChange, type RecordChange } from './record-change.js';

/** The forward zones among managed ones: where names are made (the reverse tree holds PTRs only). */
export const forwardZones = (zones: string[]) => zones.filter((zone) => !zone.replace(/\.$/, '').toLowerCase().endsWith('.arpa'));

/** The zones a publisher manages, and which of them holds a name. */
export class ManagedZones {
  readonly names: string[];

  constructor(zones: string[]) {
    if (zones.length === 0) throw new Fatal('a DNS publisher needs at least one zone to manage');
    // Longest first, so a delegated child zone wins over its parent.
    this.names = [...new Set(zones.map((zone) => normalizeName(zone)))].sort((a, b) => b.length - a.length);
  }

  zoneOf(name: string): string {
    const zone = this.names.find((candidate) => name === candidate || name.endsWith(`.${candidate}`));
    if (!zone) throw new Fatal(`${name} is in none of the managed zones (${this.names.join(', ')})`);
    return zone;
  }

  /** Normalizes every change and groups them by zone, in the order each zone first appears. */
  group(changes: RecordChange[]): Map<string, RecordChange[]> {
    const byZone = new Map<string, RecordChange[]>();
    for (const change of changes.map(normalizeChange)) {
      const zone = this.zoneOf(changedName(change));
      byZone.set(zone, [...(byZone.get(zone) ?? []), change]);
    }
    return byZone;
  }
}
