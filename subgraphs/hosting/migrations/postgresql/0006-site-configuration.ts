import { Migration } from '@mikro-orm/migrations';

/** Vhosts and their names, requested packages, and the state of each site's configuration runs (postgresql). */
export class SiteConfiguration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "vhosts" ("id" uuid not null, "site_id" uuid not null, "name" varchar(63) not null, "server_name" varchar(253) not null, "aliases" jsonb not null, "state" text not null, "certificate_source" text null, "certificate_chain" text null, "private_key_sealed" text null, "certificate_not_after" timestamptz null, "certificate_renew_after" timestamptz null, "created_at" timestamptz not null, primary key ("id"))`);
    this.addSql(`alter table "vhosts" add constraint "vhosts_state_check" check ("state" in ('ACTIVE', 'REMOVING'))`);
    this.addSql(`alter table "vhosts" add constraint "vhosts_certificate_source_check" check ("certificate_source" in ('ISSUED', 'UPLOADED'))`);
    this.addSql(`create index "vhosts_site_id_index" on "vhosts" ("site_id")`);
    this.addSql(`create index "vhosts_certificate_renew_after_index" on "vhosts" ("certificate_renew_after")`);
    this.addSql(`alter table "vhosts" add constraint "vhosts_site_id_name_unique" unique ("site_id", "name")`);
    this.addSql(`create table "vhost_names" ("name" varchar(253) not null, "vhost_id" uuid not null, primary key ("name"))`);
    this.addSql(`create index "vhost_names_vhost_id_index" on "vhost_names" ("vhost_id")`);
    this.addSql(`create table "site_packages" ("site_id" uuid not null, "name" varchar(128) not null, "wanted" boolean not null, primary key ("site_id", "name"))`);
    this.addSql(`create table "site_configuration" ("site_id" uuid not null, "pending_task_id" uuid null, "accounts_digest" varchar(64) null, primary key ("site_id"))`);
  }
}
