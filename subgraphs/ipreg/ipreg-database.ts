import { openDatabase } from '../../core/database/open-database.js';
import type { Logger } from '../../core/logger.js';
import { AddressEntity } from './addresses/address-entity.js';
import { DomainNameEntity } from './domain-names/domain-name-entity.js';
import { ipregMigrations } from './migrations/index.js';
import { HostKeyEntity } from './names/host-key-entity.js';
import { NameEntity } from './names/name-entity.js';
import { PoolEntity } from './pools/pool-entity.js';

export const IPREG_ENTITIES = [PoolEntity, AddressEntity, NameEntity, HostKeyEntity, DomainNameEntity];

/** The IP registry's tables: pools, handed-out addresses, names, host keys, domain names. */
export const openIpregDatabase = (url: string, logger?: Logger) =>
  openDatabase({ url, entities: IPREG_ENTITIES, migrations: ipregMigrations, migrationsTable: 'ipreg_migrations', logger });
