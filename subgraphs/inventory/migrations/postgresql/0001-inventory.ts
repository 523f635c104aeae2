import { Migration } from '@mikro-orm/migrations';

/** Hypervisor hosts, VM placements, reconciliation's findings and lease (postgresql). */
export class Inventory extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "inventory_hosts" ("id" uuid not null, "name" varchar(63) not null, "driver" varchar(16) not null, "uri" text not null, "credential_ref" varchar(255) null, "location" varchar(255) null, "capacity_vcpus" int not null, "capacity_memory_mib" int not null, "capacity_disk_gib" int not null, "allocated_vcpus" int not null default 0, "allocated_memory_mib" int not null default 0, "allocated_disk_gib" int not null default 0, "state" text not null, "reachable" boolean null, "last_reconciled_at" timestamptz null, "last_reconcile_error" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"))`);
    this.addSql(`alter table "inventory_hosts" add constraint "inventory_hosts_name_unique" unique ("name")`);
    this.addSql(`create index "inventory_hosts_state_index" on "inventory_hosts" ("state")`);
    this.addSql(`alter table "inventory_hosts" add constraint "inventory_hosts_state_check" check ("state" in ('ENABLED', 'DRAINING', 'DISABLED'))`);
    this.addSql(`create table "inventory_discrepancies" ("id" uuid not null, "host_id" uuid not null, "kind" text not null, "vm_name" varchar(255) not null, "vm_ref" varchar(255) null, "vm_id" uuid null, "site_id" uuid null, "expected" varchar(16) null, "observed" varchar(16) null, "corrected" boolean not null default false, "message" text not null, "first_seen_at" timestamptz not null, "last_seen_at" timestamptz not null, primary key ("id"))`);
    this.addSql(`create index "inventory_discrepancies_host_id_index" on "inventory_discrepancies" ("host_id")`);
    this.addSql(`alter table "inventory_discrepancies" add constraint "inventory_discrepancies_kind_check" check ("kind" in ('UNKNOWN_VM', 'MISSING_VM', 'POWER_STATE_DRIFT'))`);
    this.addSql(`create table "inventory_reconcile_lease" ("id" varchar(32) not null, "owner" varchar(255) null, "until" timestamptz null, primary key ("id"))`);
    this.addSql(`create table "inventory_vm_placements" ("vm_id" uuid not null, "site_id" uuid not null, "host_id" uuid not null, "vm_name" varchar(255) not null, "vcpus" int not null, "memory_mib" int not null, "disk_gib" int not null, "ref" varchar(255) null, "power_state" varchar(16) null, "observed_at" timestamptz null, "placed_at" timestamptz not null, primary key ("vm_id"))`);
    this.addSql(`create index "inventory_vm_placements_site_id_index" on "inventory_vm_placements" ("site_id")`);
    this.addSql(`create index "inventory_vm_placements_host_id_index" on "inventory_vm_placements" ("host_id")`);
  }
}
