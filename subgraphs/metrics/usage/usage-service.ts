import { badInput } from '../../../core/errors.js';
import type { HostingClient } from '../../hosting/client/hosting-client.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import { hourlyUsage } from './hourly-usage.js';

export const USAGE_GROUPINGS = ['SITE', 'GROUP', 'INSTITUTION'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

export interface UsageRecord {
  /** The site's id, the group's id, or the institution's name; see NO_GROUP and NO_INSTITUTION. */
  key: string;
  hour: number;
  /** For SITE only. */
  siteName: string | null;
  state: string | null;
  vcpuHours: number;
  memoryGbHours: number;
  diskGbHours: number;
}

/** Where the usage of sites without an admin group (or whose groups belong to no institution) goes. */
export const NO_GROUP = '(no group)';
export const NO_INSTITUTION = '(no institution)';

const MAX_RANGE_MS = 400 * 86_400_000;

/**
 * Usage for billing, hour by hour, from hosting's history of site states and flavors. A site's
 * groups are the groups identity's grant log shows as its admins at any time (so a deleted site,
 * whose grants are gone, still has them); a site counts in full under each of its groups, and once
 * under each institution its groups map to (configuration `metrics.institutions`).
 */
export class UsageService {
  constructor(
    private readonly hosting: Pick<HostingClient, 'siteHistory'>,
    private readonly identity: Pick<IdentityClient, 'siteAccessChanges'>,
    private readonly institutions: Record<string, string>,
  ) {}

  async usage(from: Date, to: Date, groupBy: UsageGrouping): Promise<UsageRecord[]> {
    if (!(to > from)) throw badInput('to must be later than from', 'to');
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw badInput('Ask for at most 400 days at once', 'to');
    const perSite = hourlyUsage(await this.hosting.siteHistory(from, to), from.getTime(), to.getTime());
    if (groupBy === 'SITE') {
      return perSite.map(({ siteId, siteName, hour, state, vcpuHours, memoryGbHours, diskGbHours }) => ({ key: siteId, siteName, hour, state, vcpuHours, memoryGbHours, diskGbHours }));
    }
    const groups = await this.adminGroupsOfSites();
    const keysOf = (siteId: string): string[] => {
      const siteGroups = [...(groups.get(siteId) ?? [])];
      if (groupBy === 'GROUP') return siteGroups.length ? siteGroups : [NO_GROUP];
      const institutions = [...new Set(siteGroups.flatMap((group) => (this.institutions[group] ? [this.institutions[group]!] : [])))];
      return institutions.length ? institutions : [NO_INSTITUTION];
    };
    const totals = new Map<string, UsageRecord>();
    for (const usage of perSite) {
      for (const key of keysOf(usage.siteId)) {
        const id = `${key}\u0000${usage.hour}`;
        let record = totals.get(id);
        if (!record) totals.set(id, (record = { key, hour: usage.hour, siteName: null, state: null, vcpuHours: 0, memoryGbHours: 0, diskGbHours: 0 }));
        record.vcpuHours += usage.vcpuHours;
        record.memoryGbHours += usage.memoryGbHours;
        record.diskGbHours += usage.diskGbHours;
      }
    }
    return [...totals.values()].sort((a, b) => a.key.localeCompare(b.key) || a.hour - b.hour);
  }

  /** Site → every group ever granted ADMIN on it, from identity's numbered change log. */
  private async adminGroupsOfSites(): Promise<Map<string, Set<string>>> {
    const groups = new Map<string, Set<string>>();
    for (let after = 0; ; ) {
      const changes = await this.identity.siteAccessChanges(after, 500);
      for (const change of changes) {
        if (change.role !== 'ADMIN' || change.granteeKind !== 'GROUP' || !change.granted) continue;
        let set = groups.get(change.siteId);
        if (!set) groups.set(change.siteId, (set = new Set()));
        set.add(change.grantee);
      }
      if (changes.length < 500) return groups;
      after = changes.at(-1)!.seq;
    }
  }
}
