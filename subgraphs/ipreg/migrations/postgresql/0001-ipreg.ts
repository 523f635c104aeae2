import { Migration } from '@mikro-orm/migrations';

/** Pools, handed-out addresses, names, host keys and domain names (postgresql). */
export class Ipreg extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table \"ipreg_addresses\" (\"id\" uuid not null, \"pool_id\" uuid not null, \"address\" varchar(45) not null, \"offset\" varchar(32) not null, \"state\" text not null, \"name_id\" uuid null, \"site_id\" uuid null, \"vm_id\" uuid null, \"allocated_at\" timestamptz null, \"quarantined_until\" timestamptz null, primary key (\"id\"))");
    this.addSql("alter table \"ipreg_addresses\" add constraint \"ipreg_addresses_address_unique\" unique (\"address\")");
    this.addSql("create index \"ipreg_addresses_name_id_index\" on \"ipreg_addresses\" (\"name_id\")");
    this.addSql("create index \"ipreg_addresses_site_id_index\" on \"ipreg_addresses\" (\"site_id\")");
    this.addSql("create index \"ipreg_addresses_pool_id_state_quarantined_until_index\" on \"ipreg_addresses\" (\"pool_id\", \"state\", \"quarantined_until\")");
    this.addSql("alter table \"ipreg_addresses\" add constraint \"ipreg_addresses_pool_id_offset_unique\" unique (\"pool_id\", \"offset\")");
    this.addSql("alter table \"ipreg_addresses\" add constraint \"ipreg_addresses_state_check\" check (\"state\" in ('FREE', 'ALLOCATED', 'QUARANTINED'))");
    this.addSql("create table \"ipreg_domain_names\" (\"id\" uuid not null, \"site_id\" uuid not null, \"fqdn\" varchar(253) not null, \"zone\" varchar(253) null, \"state\" text not null, \"verification_token\" varchar(64) null, \"requested_by\" varchar(255) not null, \"published_at\" timestamptz null, \"created_at\" timestamptz not null, \"updated_at\" timestamptz not null, primary key (\"id\"))");
    this.addSql("create index \"ipreg_domain_names_site_id_index\" on \"ipreg_domain_names\" (\"site_id\")");
    this.addSql("alter table \"ipreg_domain_names\" add constraint \"ipreg_domain_names_fqdn_unique\" unique (\"fqdn\")");
    this.addSql("alter table \"ipreg_domain_names\" add constraint \"ipreg_domain_names_state_check\" check (\"state\" in ('ACTIVE', 'AWAITING_APPROVAL', 'EXTERNAL'))");
    this.addSql("create table \"ipreg_host_keys\" (\"id\" uuid not null, \"name_id\" uuid not null, \"host_name\" varchar(253) not null, \"algorithm\" varchar(16) not null, \"public_key\" text not null, \"sealed_private_key\" text not null, primary key (\"id\"))");
    this.addSql("create index \"ipreg_host_keys_name_id_index\" on \"ipreg_host_keys\" (\"name_id\")");
    this.addSql("alter table \"ipreg_host_keys\" add constraint \"ipreg_host_keys_name_id_algorithm_unique\" unique (\"name_id\", \"algorithm\")");
    this.addSql("create table \"ipreg_names\" (\"id\" uuid not null, \"fqdn\" varchar(253) not null, \"zone\" varchar(253) not null, \"kind\" text not null, \"purpose\" text not null, \"state\" text not null, \"holder_key\" varchar(80) null, \"site_id\" uuid null, \"vm_id\" uuid null, \"published_at\" timestamptz null, \"created_at\" timestamptz not null, primary key (\"id\"))");
    this.addSql("alter table \"ipreg_names\" add constraint \"ipreg_names_fqdn_unique\" unique (\"fqdn\")");
    this.addSql("alter table \"ipreg_names\" add constraint \"ipreg_names_holder_key_unique\" unique (\"holder_key\")");
    this.addSql("create index \"ipreg_names_site_id_index\" on \"ipreg_names\" (\"site_id\")");
    this.addSql("create index \"ipreg_names_vm_id_index\" on \"ipreg_names\" (\"vm_id\")");
    this.addSql("create index \"ipreg_names_state_purpose_index\" on \"ipreg_names\" (\"state\", \"purpose\")");
    this.addSql("alter table \"ipreg_names\" add constraint \"ipreg_names_kind_check\" check (\"kind\" in ('SERVICE', 'HOST'))");
    this.addSql("alter table \"ipreg_names\" add constraint \"ipreg_names_purpose_check\" check (\"purpose\" in ('SERVICE', 'HOST', 'TEST'))");
    this.addSql("alter table \"ipreg_names\" add constraint \"ipreg_names_state_check\" check (\"state\" in ('READY', 'ASSIGNED'))");
    this.addSql("create table \"ipreg_pools\" (\"id\" uuid not null, \"name\" varchar(63) not null, \"prefix\" varchar(64) not null, \"family\" text not null, \"purpose\" text not null, \"zone\" varchar(253) not null, \"gateway\" varchar(45) null, \"reserved\" text not null, \"next_offset\" varchar(32) not null, \"created_at\" timestamptz not null, primary key (\"id\"))");
    this.addSql("alter table \"ipreg_pools\" add constraint \"ipreg_pools_name_unique\" unique (\"name\")");
    this.addSql("alter table \"ipreg_pools\" add constraint \"ipreg_pools_prefix_unique\" unique (\"prefix\")");
    this.addSql("create index \"ipreg_pools_purpose_index\" on \"ipreg_pools\" (\"purpose\")");
    this.addSql("alter table \"ipreg_pools\" add constraint \"ipreg_pools_family_check\" check (\"family\" in ('ipv4', 'ipv6'))");
    this.addSql("alter table \"ipreg_pools\" add constraint \"ipreg_pools_purpose_check\" check (\"purpose\" in ('SERVICE', 'HOST', 'TEST'))");
  }
}
