import { Migration } from '@mikro-orm/migrations';

/** A site's suspension and cancellation, and its snapshots (sqlite). */
export class SiteOperations extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `sites` add column `suspended_reason` text null');
    this.addSql('alter table `sites` add column `suspended_by` text null');
    this.addSql('alter table `sites` add column `suspended_at` datetime null');
    this.addSql('alter table `sites` add column `cancelled_at` datetime null');
    this.addSql("create table `snapshots` (`id` text not null primary key, `site_id` text not null, `vm_id` text not null, `name` text not null, `kind` text check (`kind` in ('MANUAL', 'NIGHTLY')) not null, `state` text check (`state` in ('CREATING', 'READY', 'DELETING')) not null, `ref` text null, `taken_by` text not null, `created_at` datetime not null)");
    this.addSql('create index `snapshots_vm_id_index` on `snapshots` (`vm_id`)');
    this.addSql('create unique index `snapshots_site_id_name_unique` on `snapshots` (`site_id`, `name`)');
  }
}
