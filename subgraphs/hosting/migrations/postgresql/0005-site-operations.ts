import { Migration } from '@mikro-orm/migrations';

/** A site's suspension and cancellation, and its snapshots (postgresql). */
export class SiteOperations extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "sites" add column "suspended_reason" text null, add column "suspended_by" varchar(255) null, add column "suspended_at" timestamptz null, add column "cancelled_at" timestamptz null');
    this.addSql(`create table "snapshots" ("id" uuid not null, "site_id" uuid not null, "vm_id" uuid not null, "name" varchar(64) not null, "kind" text not null, "state" text not null, "ref" varchar(255) null, "taken_by" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"))`);
    this.addSql(`create index "snapshots_vm_id_index" on "snapshots" ("vm_id")`);
    this.addSql(`alter table "snapshots" add constraint "snapshots_site_id_name_unique" unique ("site_id", "name")`);
    this.addSql(`alter table "snapshots" add constraint "snapshots_kind_check" check ("kind" in ('MANUAL', 'NIGHTLY'))`);
    this.addSql(`alter table "snapshots" add constraint "snapshots_state_check" check ("state" in ('CREATING', 'READY', 'DELETING'))`);
  }
}
