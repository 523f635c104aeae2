import { Migration } from '@mikro-orm/migrations';

/** Hypervisor hosts, VM placements, reconciliation's findings and lease (sqlite). */
export class Inventory extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `inventory_hosts` (`id` text not null primary key, `name` text not null, `driver` text not null, `uri` text not null, `credential_ref` text null, `location` text null, `capacity_vcpus` integer not null, `capacity_memory_mib` integer not null, `capacity_disk_gib` integer not null, `allocated_vcpus` integer not null default 0, `allocated_memory_mib` integer not null default 0, `allocated_disk_gib` integer not null default 0, `state` text check (`state` in ('ENABLED', 'DRAINING', 'DISABLED')) not null, `reachable` integer null, `last_reconciled_at` datetime null, `last_reconcile_error` text null, `created_at` datetime not null, `updated_at` datetime not null)");
    this.addSql("create unique index `inventory_hosts_name_unique` on `inventory_hosts` (`name`)");
    this.addSql("create index `inventory_hosts_state_index` on `inventory_hosts` (`state`)");
    this.addSql("create table `inventory_discrepancies` (`id` text not null primary key, `host_id` text not null, `kind` text check (`kind` in ('UNKNOWN_VM', 'MISSING_VM', 'POWER_STATE_DRIFT')) not null, `vm_name` text not null, `vm_ref` text null, `vm_id` text null, `site_id` text null, `expected` text null, `observed` text null, `corrected` integer not null default false, `message` text not null, `first_seen_at` datetime not null, `last_seen_at` datetime not null)");
    this.addSql("create index `inventory_discrepancies_host_id_index` on `inventory_discrepancies` (`host_id`)");
    this.addSql("create table `inventory_reconcile_lease` (`id` text not null primary key, `owner` text null, `until` datetime null)");
    this.addSql("create table `inventory_vm_placements` (`vm_id` text not null primary key, `site_id` text not null, `host_id` text not null, `vm_name` text not null, `vcpus` integer not null, `memory_mib` integer not null, `disk_gib` integer not null, `ref` text null, `power_state` text null, `observed_at` datetime null, `placed_at` datetime not null)");
    this.addSql("create index `inventory_vm_placements_site_id_index` on `inventory_vm_placements` (`site_id`)");
    this.addSql("create index `inventory_vm_placements_host_id_index` on `inventory_vm_placements` (`host_id`)");
  }
}
