import { Migration } from '@mikro-orm/migrations';

/** Pools, handed-out addresses, names, host keys and domain names (sqlite). */
export class Ipreg extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `ipreg_addresses` (`id` text not null primary key, `pool_id` text not null, `address` text not null, `offset` text not null, `state` text check (`state` in ('FREE', 'ALLOCATED', 'QUARANTINED')) not null, `name_id` text null, `site_id` text null, `vm_id` text null, `allocated_at` datetime null, `quarantined_until` datetime null)");
    this.addSql("create unique index `ipreg_addresses_address_unique` on `ipreg_addresses` (`address`)");
    this.addSql("create index `ipreg_addresses_name_id_index` on `ipreg_addresses` (`name_id`)");
    this.addSql("create index `ipreg_addresses_site_id_index` on `ipreg_addresses` (`site_id`)");
    this.addSql("create index `ipreg_addresses_pool_id_state_quarantined_until_index` on `ipreg_addresses` (`pool_id`, `state`, `quarantined_until`)");
    this.addSql("create unique index `ipreg_addresses_pool_id_offset_unique` on `ipreg_addresses` (`pool_id`, `offset`)");
    this.addSql("create table `ipreg_domain_names` (`id` text not null primary key, `site_id` text not null, `fqdn` text not null, `zone` text null, `state` text check (`state` in ('ACTIVE', 'AWAITING_APPROVAL', 'EXTERNAL')) not null, `verification_token` text null, `requested_by` text not null, `published_at` datetime null, `created_at` datetime not null, `updated_at` datetime not null)");
    this.addSql("create index `ipreg_domain_names_site_id_index` on `ipreg_domain_names` (`site_id`)");
    this.addSql("create unique index `ipreg_domain_names_fqdn_unique` on `ipreg_domain_names` (`fqdn`)");
    this.addSql("create table `ipreg_host_keys` (`id` text not null primary key, `name_id` text not null, `host_name` text not null, `algorithm` text not null, `public_key` text not null, `sealed_private_key` text not null)");
    this.addSql("create index `ipreg_host_keys_name_id_index` on `ipreg_host_keys` (`name_id`)");
    this.addSql("create unique index `ipreg_host_keys_name_id_algorithm_unique` on `ipreg_host_keys` (`name_id`, `algorithm`)");
    this.addSql("create table `ipreg_names` (`id` text not null primary key, `fqdn` text not null, `zone` text not null, `kind` text check (`kind` in ('SERVICE', 'HOST')) not null, `purpose` text check (`purpose` in ('SERVICE', 'HOST', 'TEST')) not null, `state` text check (`state` in ('READY', 'ASSIGNED')) not null, `holder_key` text null, `site_id` text null, `vm_id` text null, `published_at` datetime null, `created_at` datetime not null)");
    this.addSql("create unique index `ipreg_names_fqdn_unique` on `ipreg_names` (`fqdn`)");
    this.addSql("create unique index `ipreg_names_holder_key_unique` on `ipreg_names` (`holder_key`)");
    this.addSql("create index `ipreg_names_site_id_index` on `ipreg_names` (`site_id`)");
    this.addSql("create index `ipreg_names_vm_id_index` on `ipreg_names` (`vm_id`)");
    this.addSql("create index `ipreg_names_state_purpose_index` on `ipreg_names` (`state`, `purpose`)");
    this.addSql("create table `ipreg_pools` (`id` text not null primary key, `name` text not null, `prefix` text not null, `family` text check (`family` in ('ipv4', 'ipv6')) not null, `purpose` text check (`purpose` in ('SERVICE', 'HOST', 'TEST')) not null, `zone` text not null, `gateway` text null, `reserved` text not null, `next_offset` text not null, `created_at` datetime not null)");
    this.addSql("create unique index `ipreg_pools_name_unique` on `ipreg_pools` (`name`)");
    this.addSql("create unique index `ipreg_pools_prefix_unique` on `ipreg_pools` (`prefix`)");
    this.addSql("create index `ipreg_pools_purpose_index` on `ipreg_pools` (`purpose`)");
  }
}
