import { Migration } from '@mikro-orm/migrations';

/** Each site's changes of state and flavor, for billing (sqlite). */
export class SiteHistory extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table `site_history` (`id` integer not null primary key autoincrement, `site_id` text not null, `site_name` text not null, `at` bigint not null, `state` text not null, `flavor` text not null, `vcpus` integer not null, `memory_mib` integer not null, `disk_gib` integer not null)');
    this.addSql('create index `site_history_site_id_index` on `site_history` (`site_id`)');
    this.addSql('create index `site_history_at_index` on `site_history` (`at`)');
  }
}
