import { Migration } from '@mikro-orm/migrations';

/** Hosting's copy of identity's grants, how far it has caught up, and quota usage per owner (sqlite). */
export class SiteAccessAndUsage extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `site_access` (`site_id` text not null, `role` text check (`role` in ('ADMIN', 'SSH', 'SUPPORTER')) not null, `grantee_kind` text check (`grantee_kind` in ('USER', 'GROUP')) not null, `grantee` text not null, `granted` integer not null, `seq` integer not null, primary key (`site_id`, `role`, `grantee_kind`, `grantee`))");
    this.addSql("create index `site_access_grantee_kind_grantee_site_id_index` on `site_access` (`grantee_kind`, `grantee`, `site_id`)");
    this.addSql("create table `site_access_cursor` (`name` text not null primary key, `last_seq` integer not null)");
    this.addSql("insert into `site_access_cursor` (`name`, `last_seq`) values ('identity', 0)");
    this.addSql("create table `site_usage` (`owner` text not null primary key, `sites` integer not null default 0, `vcpus` integer not null default 0, `memory_mib` integer not null default 0, `snapshots` integer not null default 0)");
    // Sites made before quotas count as sites; their vCPUs and memory were never recorded.
    this.addSql("insert into `site_usage` (`owner`, `sites`) select `owner`, count(*) from `sites` group by `owner`");
  }
}
