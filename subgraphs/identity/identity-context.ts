import type { Bus } from '../../core/bus/bus.js';
import type { Principal } from '../../core/principal.js';
import type { ApiTokenService } from './api-tokens/api-token-service.js';
import type { AuditLog } from './audit/audit-log.js';
import type { DirectorySync } from './directory-sync/directory-sync.js';
import type { PeopleService } from './people/people-service.js';
import type { QuotaService } from './quotas/quota-service.js';
import type { SiteAccessService } from './site-access/site-access-service.js';
import type { SshKeyService } from './ssh-keys/ssh-key-service.js';

/** Built once per process; every request's context points at it. */
export interface IdentityServices {
  people: PeopleService;
  directorySync: DirectorySync;
  siteAccess: SiteAccessService;
  sshKeys: SshKeyService;
  apiTokens: ApiTokenService;
  quotas: QuotaService;
  audit: AuditLog;
  /** For subscriptions that follow what identity announces. */
  bus: Bus;
}

export interface IdentityContext extends IdentityServices {
  principal: Principal | null;
  /** Per request: sites whose visibility to the caller was already checked. */
  visibleSites?: Map<string, Promise<unknown>>;
}
