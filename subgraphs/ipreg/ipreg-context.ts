import type { Principal } from '../../core/principal.js';
import type { DnsPublisher } from '../../plugins/dns/dns-publisher.js';
import type { IdentityClient } from '../identity/client/identity-client.js';
import type { SitePermission } from './access/site-permission.js';
import type { DomainNameService } from './domain-names/domain-name-service.js';
import type { NetworkService } from './network/network-service.js';
import type { PoolService } from './pools/pool-service.js';

/** Built once per process; every request's context points at it. */
export interface IpregServices {
  pools: PoolService;
  network: NetworkService;
  domainNames: DomainNameService;
  identity: Pick<IdentityClient, 'rolesOnSite'>;
  /** Where ready names and accepted domain names are published (the worker's steps publish sites'). */
  dns: Pick<DnsPublisher, 'apply'>;
}

export interface IpregContext extends IpregServices {
  principal: Principal | null;
  /** The caller's rights on sites, asked of identity once per site and request. */
  sitePermission: SitePermission;
}
