import type { Bus } from '../../core/bus/bus.js';
import type { Principal } from '../../core/principal.js';
import type { HostService } from './hosts/host-service.js';
import type { PlacementService } from './placement/placement-service.js';
import type { ReconciliationRequests } from './reconciliation/reconciliation-requests.js';
import type { DiscrepancyQueries } from './reconciliation/discrepancy-queries.js';

/** Built once per process; every request's context points at it. */
export interface InventoryServices {
  hosts: HostService;
  placements: PlacementService;
  discrepancies: DiscrepancyQueries;
  reconciliation: ReconciliationRequests;
  bus: Bus;
}

export interface InventoryContext extends InventoryServices {
  principal: Principal | null;
}
