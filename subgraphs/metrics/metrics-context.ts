import type { Bus } from '../../core/bus/bus.js';
import type { Principal } from '../../core/principal.js';
import type { HostingClient } from '../hosting/client/hosting-client.js';
import type { SiteVisibility } from './access/site-visibility.js';
import type { SeriesCatalog } from './series/series-catalog.js';
import type { SeriesQuery } from './series/series-query.js';
import type { UsageService } from './usage/usage-service.js';

/** Built once per process; every request's context points at it. */
export interface MetricsServices {
  series: SeriesQuery;
  catalog: SeriesCatalog;
  usage: UsageService;
  hosting: HostingClient;
  bus: Bus;
}

export interface MetricsContext extends MetricsServices {
  principal: Principal | null;
  /** Per request: whether the caller may see each site asked about. */
  visibility: SiteVisibility;
}
