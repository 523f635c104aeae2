import { Migration } from '@mikro-orm/migrations';

/**
 * Series, raw points and rollups (sqlite). The point tables are WITHOUT ROWID: clustered on their
 * key (series, time), a range read of one series is one sequential scan and no extra index is kept.
 */
export class Metrics extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table `metric_series` (`id` integer not null primary key autoincrement, `site_id` text not null, `vm_id` text not null, `name` text not null, `created_at` datetime not null)');
    this.addSql('create index `metric_series_site_id_index` on `metric_series` (`site_id`)');
    this.addSql('create unique index `metric_series_vm_id_name_unique` on `metric_series` (`vm_id`, `name`)');
    this.addSql('create table `metric_points` (`series_id` integer not null, `at` bigint not null, `value` double not null, primary key (`series_id`, `at`)) without rowid');
    this.addSql('create index `metric_points_at_index` on `metric_points` (`at`)');
    this.addSql('create table `metric_rollups` (`series_id` integer not null, `resolution` integer not null, `bucket` bigint not null, `min` double not null, `max` double not null, `sum` double not null, `count` integer not null, `last` double not null, `last_at` bigint not null, primary key (`series_id`, `resolution`, `bucket`)) without rowid');
    this.addSql('create index `metric_rollups_resolution_bucket_index` on `metric_rollups` (`resolution`, `bucket`)');
    this.addSql('create table `metric_rollup_progress` (`resolution` integer not null primary key, `rolled_until` bigint not null)');
    this.addSql('insert into `metric_rollup_progress` (`resolution`, `rolled_until`) values (60, 0), (3600, 0)');
  }
}
