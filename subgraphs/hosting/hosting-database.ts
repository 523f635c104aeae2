import { openDatabase } from '../../core/database/open-database.js';
import type { Logger } from '../../core/logger.js';
import { TaskEntity, TaskEventEntity } from '../../core/tasks/task-entities.js';
import { hostingMigrations } from './migrations/index.js';
import { SiteEntity } from './sites/site-entity.js';

/** The hosting subgraph's tables: sites, and the tasks that change them. */
export const openHostingDatabase = (url: string, logger?: Logger) =>
  openDatabase({
    url,
    entities: [SiteEntity, TaskEntity, TaskEventEntity],
    migrations: hostingMigrations,
    migrationsTable: 'hosting_migrations',
    logger,
  });
