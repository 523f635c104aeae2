import { openDatabase } from '../../core/database/open-database.js';
import type { Logger } from '../../core/logger.js';
import { ApiTokenEntity } from './api-tokens/api-token-entity.js';
import { AuditEntryEntity } from './audit/audit-entry-entity.js';
import { SyncStateEntity } from './directory-sync/sync-state-entity.js';
import { identityMigrations } from './migrations/index.js';
import { GroupEntity, GroupMemberEntity, GroupSubgroupEntity, MembershipEntity, UserEntity } from './people/people-entities.js';
import { QuotaEntity } from './quotas/quota-entity.js';
import { CounterEntity, KnownSiteEntity, SiteAccessChangeEntity, SiteGrantEntity } from './site-access/site-access-entities.js';
import { SshKeyEntity } from './ssh-keys/ssh-key-entity.js';

export const IDENTITY_ENTITIES = [
  UserEntity,
  GroupEntity,
  GroupMemberEntity,
  GroupSubgroupEntity,
  MembershipEntity,
  SyncStateEntity,
  KnownSiteEntity,
  SiteGrantEntity,
  SiteAccessChangeEntity,
  CounterEntity,
  SshKeyEntity,
  ApiTokenEntity,
  QuotaEntity,
  AuditEntryEntity,
];

/** The identity subgraph's tables, in the same database as the others but its own. */
export const openIdentityDatabase = (url: string, logger?: Logger) =>
  openDatabase({ url, entities: IDENTITY_ENTITIES, migrations: identityMigrations, migrationsTable: 'identity_migrations', logger });
