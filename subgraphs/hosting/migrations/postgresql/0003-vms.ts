import { Migration } from '@mikro-orm/migrations';

/** A site's VMs get a table of their own, so a site can have a test VM besides production (postgresql). */
export class Vms extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "vms" ("id" uuid not null, "site_id" uuid not null, "role" text not null, "name" varchar(255) not null, "ref" varchar(255) null, "created_at" timestamptz not null, primary key ("id"))`);
    this.addSql(`create index "vms_site_id_index" on "vms" ("site_id")`);
    this.addSql(`alter table "vms" add constraint "vms_name_unique" unique ("name")`);
    this.addSql(`alter table "vms" add constraint "vms_site_id_role_unique" unique ("site_id", "role")`);
    this.addSql(`alter table "vms" add constraint "vms_role_check" check ("role" in ('PRODUCTION', 'TEST'))`);
    // Every existing site's production VM, with the name the hypervisor already knows it by.
    this.addSql(
      `insert into "vms" ("id", "site_id", "role", "name", "ref", "created_at") select gen_random_uuid(), "id", 'PRODUCTION', "name" || '-' || substr("id"::text, 1, 8), "vm_ref", "created_at" from "sites"`,
    );
    this.addSql(`alter table "sites" drop column "vm_ref"`);
  }
}
