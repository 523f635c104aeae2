import type { VmPlacement as PlacementRow } from './placement-entity.js';
import type { VmPlacement } from './placement-types.js';

/** `host` is filled by its field resolver, for those who may see hosts. */
export const toPlacement = (row: PlacementRow, hostName: string): VmPlacement => ({
  vm: { id: row.vmId },
  hostName,
  host: null,
  vcpus: row.vcpus,
  memoryMiB: row.memoryMiB,
  diskGiB: row.diskGiB,
  powerState: row.powerState ?? null,
  observedAt: row.observedAt ?? null,
  placedAt: row.placedAt,
  hostId: row.hostId,
  siteId: row.siteId,
});
