import { Migration } from '@mikro-orm/migrations';

/** Each site's changes of state and flavor, for billing (postgresql). */
export class SiteHistory extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "site_history" ("id" serial primary key, "site_id" uuid not null, "site_name" varchar(63) not null, "at" bigint not null, "state" varchar(32) not null, "flavor" varchar(64) not null, "vcpus" int not null, "memory_mib" int not null, "disk_gib" int not null)');
    this.addSql('create index "site_history_site_id_index" on "site_history" ("site_id")');
    this.addSql('create index "site_history_at_index" on "site_history" ("at")');
  }
}
