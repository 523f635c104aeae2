import type { MikroORM } from '@mikro-orm/core';
import type { Bus } from '../../core/bus/bus.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { Directory } from '../../plugins/directory/directory.js';
import { ApiTokenService } from './api-tokens/api-token-service.js';
import { AuditLog } from './audit/audit-log.js';
import { DirectorySync } from './directory-sync/directory-sync.js';
import type { IdentityServices } from './identity-context.js';
import { PeopleService } from './people/people-service.js';
import { QuotaService } from './quotas/quota-service.js';
import { AccessChangeLog } from './site-access/access-change-log.js';
import { SiteAccessService } from './site-access/site-access-service.js';
import { SshKeyService } from './ssh-keys/ssh-key-service.js';

export interface IdentityServicesOptions {
  config: Config;
  orm: MikroORM;
  bus: Bus;
  directory: Directory;
  logger: Logger;
}

/** Everything the identity subgraph and the scheduler's directory sync share. */
export function createIdentityServices({ config, orm, bus, directory, logger }: IdentityServicesOptions): IdentityServices {
  const log = logger.child({ subgraph: 'identity' });
  const audit = new AuditLog(orm);
  const siteAccess = new SiteAccessService(orm, new AccessChangeLog(bus, log), audit, bus, log);
  const apiTokens = new ApiTokenService(orm, bus, log);
  return {
    people: new PeopleService(orm, config.adminGroups),
    directorySync: new DirectorySync({ orm, directory, bus, logger: log, apiTokens, siteAccess, staleAfterSeconds: config.identity.staleAfterSeconds }),
    siteAccess,
    sshKeys: new SshKeyService(orm),
    apiTokens,
    quotas: new QuotaService(orm, config.defaultQuota),
    audit,
    bus,
  };
}
