import { Migration } from '@mikro-orm/migrations';

/** A site's VMs get a table of their own, so a site can have a test VM besides production (sqlite). */
export class Vms extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `vms` (`id` text not null primary key, `site_id` text not null, `role` text check (`role` in ('PRODUCTION', 'TEST')) not null, `name` text not null, `ref` text null, `created_at` datetime not null)");
    this.addSql("create index `vms_site_id_index` on `vms` (`site_id`)");
    this.addSql("create unique index `vms_name_unique` on `vms` (`name`)");
    this.addSql("create unique index `vms_site_id_role_unique` on `vms` (`site_id`, `role`)");
    // Every existing site's production VM, with the name the hypervisor already knows it by.
    this.addSql(
      "insert into `vms` (`id`, `site_id`, `role`, `name`, `ref`, `created_at`) select " +
        "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), " +
        "`id`, 'PRODUCTION', `name` || '-' || substr(`id`, 1, 8), `vm_ref`, `created_at` from `sites`",
    );
    this.addSql('alter table `sites` drop column `vm_ref`');
  }
}
