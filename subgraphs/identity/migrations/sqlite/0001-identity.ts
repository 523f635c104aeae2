import { Migration } from '@mikro-orm/migrations';

/** People and groups copied from the directory, site grants and their change log, SSH keys, API tokens, quotas, the audit log (sqlite). */
export class Identity extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `identity_api_tokens` (`id` text not null primary key, `username` text not null, `name` text not null, `scopes` json not null, `secret_hash` text not null, `prefix` text not null, `created_at` datetime not null, `expires_at` datetime null, `last_used_at` datetime null, `revoked_at` datetime null, `revoked_reason` text null)");
    this.addSql("create index `identity_api_tokens_username_index` on `identity_api_tokens` (`username`)");
    this.addSql("create unique index `identity_api_tokens_secret_hash_unique` on `identity_api_tokens` (`secret_hash`)");
    this.addSql("create table `identity_audit_entries` (`id` text not null primary key, `at` datetime not null, `actor` text not null, `actor_kind` text not null, `token_id` text null, `operation` text not null, `operation_name` text null, `arguments` json not null, `site_id` text null, `target` text null, `outcome` text check (`outcome` in ('SUCCEEDED', 'FAILED')) not null, `error_code` text null, `error_message` text null, `request_id` text null)");
    this.addSql("create index `identity_audit_entries_at_index` on `identity_audit_entries` (`at`)");
    this.addSql("create index `identity_audit_entries_actor_index` on `identity_audit_entries` (`actor`)");
    this.addSql("create index `identity_audit_entries_operation_index` on `identity_audit_entries` (`operation`)");
    this.addSql("create index `identity_audit_entries_site_id_index` on `identity_audit_entries` (`site_id`)");
    this.addSql("create table `identity_counters` (`name` text not null primary key, `value` integer not null)");
    this.addSql("create table `identity_groups` (`id` text not null primary key, `name` text not null, `description` text null, `synced_at` datetime not null, `search_text` text not null)");
    this.addSql("create table `identity_group_members` (`group_id` text not null, `username` text not null, primary key (`group_id`, `username`))");
    this.addSql("create index `identity_group_members_username_index` on `identity_group_members` (`username`)");
    this.addSql("create table `identity_group_subgroups` (`group_id` text not null, `member_group_id` text not null, primary key (`group_id`, `member_group_id`))");
    this.addSql("create index `identity_group_subgroups_member_group_id_index` on `identity_group_subgroups` (`member_group_id`)");
    this.addSql("create table `identity_memberships` (`username` text not null, `group_id` text not null, primary key (`username`, `group_id`))");
    this.addSql("create index `identity_memberships_group_id_index` on `identity_memberships` (`group_id`)");
    this.addSql("create table `identity_quotas` (`subject_kind` text check (`subject_kind` in ('USER', 'GROUP')) not null, `subject` text not null, `sites` integer null, `vcpus` integer null, `memory_mib` integer null, `snapshots` integer null, `updated_by` text not null, `updated_at` datetime not null, primary key (`subject_kind`, `subject`))");
    this.addSql("create table `identity_sites` (`site_id` text not null primary key, `name` text not null, `created_by` text not null, `created_at` datetime not null, `without_admin_since` datetime null)");
    this.addSql("create index `identity_sites_name_index` on `identity_sites` (`name`)");
    this.addSql("create table `identity_site_access_changes` (`seq` integer not null primary key, `site_id` text not null, `role` text check (`role` in ('ADMIN', 'SSH', 'SUPPORTER')) not null, `grantee_kind` text check (`grantee_kind` in ('USER', 'GROUP')) not null, `grantee` text not null, `granted` integer not null, `at` datetime not null)");
    this.addSql("create table `identity_site_grants` (`site_id` text not null, `role` text check (`role` in ('ADMIN', 'SSH', 'SUPPORTER')) not null, `grantee_kind` text check (`grantee_kind` in ('USER', 'GROUP')) not null, `grantee` text not null, `granted_by` text not null, `granted_at` datetime not null, primary key (`site_id`, `role`, `grantee_kind`, `grantee`))");
    this.addSql("create index `identity_site_grants_grantee_kind_grantee_index` on `identity_site_grants` (`grantee_kind`, `grantee`)");
    this.addSql("create table `identity_ssh_keys` (`id` text not null primary key, `username` text not null, `type` text not null, `bits` integer not null, `fingerprint` text not null, `public_key` text not null, `comment` text null, `created_at` datetime not null)");
    this.addSql("create index `identity_ssh_keys_username_index` on `identity_ssh_keys` (`username`)");
    this.addSql("create unique index `identity_ssh_keys_username_fingerprint_unique` on `identity_ssh_keys` (`username`, `fingerprint`)");
    this.addSql("create table `identity_sync_state` (`id` text not null primary key, `directory_kind` text null, `last_success_at` datetime null, `last_attempt_at` datetime null, `last_error` text null, `users` integer not null default 0, `groups` integer not null default 0, `lease_owner` text null, `lease_until` datetime null)");
    this.addSql("create table `identity_users` (`username` text not null primary key, `display_name` text not null, `mail` text null, `uid_number` bigint null, `gid_number` bigint null, `active` integer not null, `left_at` datetime null, `synced_at` datetime not null, `search_text` text not null)");
    this.addSql("create index `identity_users_active_index` on `identity_users` (`active`)");
    // The change log's counter: every grant change updates (and so locks) this row.
    this.addSql("insert into `identity_counters` (`name`, `value`) values ('site-access-changes', 0)");
  }
}
