import { openDatabase } from '../../core/database/open-database.js';
import type { Logger } from '../../core/logger.js';
import { TaskEntity, TaskEventEntity } from '../../core/tasks/task-entities.js';
import { SiteAccessCursorEntity, SiteAccessEntity } from './access/site-access-entities.js';
import { SiteHistoryEntity } from './history/site-history-entity.js';
import { hostingMigrations } from './migrations/index.js';
import { SiteUsageEntity } from './quota/site-usage-entity.js';
import { SiteEntity } from './sites/site-entity.js';
import { VmEntity } from './vms/vm-entity.js';
import { SiteConfigurationEntity, SitePackageEntity } from './configuration/site-configuration-entity.js';
import { VhostEntity, VhostNameEntity } from './vhosts/vhost-entity.js';

import { SnapshotEntity } from './snapshots/snapshot-entity.js';

export const HOSTING_ENTITIES = [
  SiteEntity, VmEntity, TaskEntity, TaskEventEntity, SiteAccessEntity, SiteAccessCursorEntity, SiteUsageEntity, SiteHistoryEntity,
  SnapshotEntity, VhostEntity, VhostNameEntity, SitePackageEntity, SiteConfigurationEntity,
];

/** The hosting subgraph's tables: sites, the tasks that change them, its copy of the grants, quota usage. */
export const openHostingDatabase = (url: string, logger?: Logger) =>
  openDatabase({
    url,
    entities: HOSTING_ENTITIES,
    migrations: hostingMigrations,
    migrationsTable: 'hosting_migrations',
    logger,
  });
