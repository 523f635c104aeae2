import { Migration } from '@mikro-orm/migrations';

/** Series, raw points and rollups (postgresql). */
export class Metrics extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "metric_series" ("id" serial primary key, "site_id" uuid not null, "vm_id" uuid not null, "name" varchar(255) not null, "created_at" timestamptz not null)');
    this.addSql('create index "metric_series_site_id_index" on "metric_series" ("site_id")');
    this.addSql('alter table "metric_series" add constraint "metric_series_vm_id_name_unique" unique ("vm_id", "name")');
    this.addSql('create table "metric_points" ("series_id" int not null, "at" bigint not null, "value" double precision not null, primary key ("series_id", "at"))');
    this.addSql('create index "metric_points_at_index" on "metric_points" ("at")');
    this.addSql('create table "metric_rollups" ("series_id" int not null, "resolution" int not null, "bucket" bigint not null, "min" double precision not null, "max" double precision not null, "sum" double precision not null, "count" int not null, "last" double precision not null, "last_at" bigint not null, primary key ("series_id", "resolution", "bucket"))');
    this.addSql('create index "metric_rollups_resolution_bucket_index" on "metric_rollups" ("resolution", "bucket")');
    this.addSql('create table "metric_rollup_progress" ("resolution" int not null, "rolled_until" bigint not null, primary key ("resolution"))');
    this.addSql('insert into "metric_rollup_progress" ("resolution", "rolled_until") values (60, 0), (3600, 0)');
  }
}
