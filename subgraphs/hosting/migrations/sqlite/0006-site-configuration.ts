import { Migration } from '@mikro-orm/migrations';

/** Vhosts and their names, requested packages, and the state of each site's configuration runs (sqlite). */
export class SiteConfiguration extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `vhosts` (`id` text not null primary key, `site_id` text not null, `name` text not null, `server_name` text not null, `aliases` json not null, `state` text check (`state` in ('ACTIVE', 'REMOVING')) not null, `certificate_source` text check (`certificate_source` in ('ISSUED', 'UPLOADED')) null, `certificate_chain` text null, `private_key_sealed` text null, `certificate_not_after` datetime null, `certificate_renew_after` datetime null, `created_at` datetime not null)");
    this.addSql('create index `vhosts_site_id_index` on `vhosts` (`site_id`)');
    this.addSql('create index `vhosts_certificate_renew_after_index` on `vhosts` (`certificate_renew_after`)');
    this.addSql('create unique index `vhosts_site_id_name_unique` on `vhosts` (`site_id`, `name`)');
    this.addSql('create table `vhost_names` (`name` text not null primary key, `vhost_id` text not null)');
    this.addSql('create index `vhost_names_vhost_id_index` on `vhost_names` (`vhost_id`)');
    this.addSql('create table `site_packages` (`site_id` text not null, `name` text not null, `wanted` integer not null, primary key (`site_id`, `name`))');
    this.addSql('create table `site_configuration` (`site_id` text not null primary key, `pending_task_id` text null, `accounts_digest` text null)');
  }
}
