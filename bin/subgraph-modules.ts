import type { SubgraphModule } from '../core/roles/subgraph-module.js';
import { hostingModule } from '../subgraphs/hosting/hosting-module.js';
import { identityModule } from '../subgraphs/identity/identity-module.js';
import { ipregModule } from '../subgraphs/ipreg/ipreg-module.js';
import { inventoryModule } from '../subgraphs/inventory/inventory-module.js';
import { metricsModule } from '../subgraphs/metrics/metrics-module.js';

/**
 * Every subgraph of Hostgraph; a new one is added here (and its name to SUBGRAPH_NAMES in config).
 * A process serves them in this order: identity first, which the others ask about callers and grants;
 * then the IP registry, which hosting's worker asks for names and addresses.
 * Workers start in this order too: the inventory reconciles with the hypervisors before hosting's
 * worker takes its first task.
 */
export const SUBGRAPH_MODULES: SubgraphModule<any>[] = [identityModule, ipregModule, inventoryModule, hostingModule, metricsModule];
