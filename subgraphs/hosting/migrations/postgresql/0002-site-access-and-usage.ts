import { Migration } from '@mikro-orm/migrations';

/** Hosting's copy of identity's grants, how far it has caught up, and quota usage per owner (postgresql). */
export class SiteAccessAndUsage extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "site_access" ("site_id" uuid not null, "role" text not null, "grantee_kind" text not null, "grantee" varchar(255) not null, "granted" boolean not null, "seq" int not null, primary key ("site_id", "role", "grantee_kind", "grantee"))`);
    this.addSql(`create index "site_access_grantee_kind_grantee_site_id_index" on "site_access" ("grantee_kind", "grantee", "site_id")`);
    this.addSql(`alter table "site_access" add constraint "site_access_role_check" check ("role" in ('ADMIN', 'SSH', 'SUPPORTER'))`);
    this.addSql(`alter table "site_access" add constraint "site_access_grantee_kind_check" check ("grantee_kind" in ('USER', 'GROUP'))`);
    this.addSql(`create table "site_access_cursor" ("name" varchar(64) not null, "last_seq" int not null, primary key ("name"))`);
    this.addSql(`insert into "site_access_cursor" ("name", "last_seq") values ('identity', 0)`);
    this.addSql(`create table "site_usage" ("owner" varchar(255) not null, "sites" int not null default 0, "vcpus" int not null default 0, "memory_mib" int not null default 0, "snapshots" int not null default 0, primary key ("owner"))`);
    // Sites made before quotas count as sites; their vCPUs and memory were never recorded.
    this.addSql(`insert into "site_usage" ("owner", "sites") select "owner", count(*) from "sites" group by "owner"`);
  }
}
