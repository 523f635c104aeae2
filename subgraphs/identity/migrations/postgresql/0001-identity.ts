import { Migration } from '@mikro-orm/migrations';

/** People and groups copied from the directory, site grants and their change log, SSH keys, API tokens, quotas, the audit log (postgresql). */
export class Identity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "identity_api_tokens" ("id" uuid not null, "username" varchar(255) not null, "name" varchar(100) not null, "scopes" jsonb not null, "secret_hash" varchar(64) not null, "prefix" varchar(16) not null, "created_at" timestamptz not null, "expires_at" timestamptz null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, "revoked_reason" varchar(255) null, primary key ("id"))`);
    this.addSql(`create index "identity_api_tokens_username_index" on "identity_api_tokens" ("username")`);
    this.addSql(`alter table "identity_api_tokens" add constraint "identity_api_tokens_secret_hash_unique" unique ("secret_hash")`);
    this.addSql(`create table "identity_audit_entries" ("id" uuid not null, "at" timestamptz not null, "actor" varchar(255) not null, "actor_kind" varchar(16) not null, "token_id" uuid null, "operation" varchar(128) not null, "operation_name" varchar(255) null, "arguments" jsonb not null, "site_id" uuid null, "target" varchar(255) null, "outcome" text not null, "error_code" varchar(64) null, "error_message" text null, "request_id" varchar(128) null, primary key ("id"))`);
    this.addSql(`create index "identity_audit_entries_at_index" on "identity_audit_entries" ("at")`);
    this.addSql(`create index "identity_audit_entries_actor_index" on "identity_audit_entries" ("actor")`);
    this.addSql(`create index "identity_audit_entries_operation_index" on "identity_audit_entries" ("operation")`);
    this.addSql(`create index "identity_audit_entries_site_id_index" on "identity_audit_entries" ("site_id")`);
    this.addSql(`alter table "identity_audit_entries" add constraint "identity_audit_entries_outcome_check" check ("outcome" in ('SUCCEEDED', 'FAILED'))`);
    this.addSql(`create table "identity_counters" ("name" varchar(64) not null, "value" int not null, primary key ("name"))`);
    this.addSql(`create table "identity_groups" ("id" varchar(255) not null, "name" varchar(255) not null, "description" text null, "synced_at" timestamptz not null, "search_text" text not null, primary key ("id"))`);
    this.addSql(`create table "identity_group_members" ("group_id" varchar(255) not null, "username" varchar(255) not null, primary key ("group_id", "username"))`);
    this.addSql(`create index "identity_group_members_username_index" on "identity_group_members" ("username")`);
    this.addSql(`create table "identity_group_subgroups" ("group_id" varchar(255) not null, "member_group_id" varchar(255) not null, primary key ("group_id", "member_group_id"))`);
    this.addSql(`create index "identity_group_subgroups_member_group_id_index" on "identity_group_subgroups" ("member_group_id")`);
    this.addSql(`create table "identity_memberships" ("username" varchar(255) not null, "group_id" varchar(255) not null, primary key ("username", "group_id"))`);
    this.addSql(`create index "identity_memberships_group_id_index" on "identity_memberships" ("group_id")`);
    this.addSql(`create table "identity_quotas" ("subject_kind" text not null, "subject" varchar(255) not null, "sites" int null, "vcpus" int null, "memory_mib" int null, "snapshots" int null, "updated_by" varchar(255) not null, "updated_at" timestamptz not null, primary key ("subject_kind", "subject"))`);
    this.addSql(`alter table "identity_quotas" add constraint "identity_quotas_subject_kind_check" check ("subject_kind" in ('USER', 'GROUP'))`);
    this.addSql(`create table "identity_sites" ("site_id" uuid not null, "name" varchar(63) not null, "created_by" varchar(255) not null, "created_at" timestamptz not null, "without_admin_since" timestamptz null, primary key ("site_id"))`);
    this.addSql(`create index "identity_sites_name_index" on "identity_sites" ("name")`);
    this.addSql(`create table "identity_site_access_changes" ("seq" int not null, "site_id" uuid not null, "role" text not null, "grantee_kind" text not null, "grantee" varchar(255) not null, "granted" boolean not null, "at" timestamptz not null, primary key ("seq"))`);
    this.addSql(`alter table "identity_site_access_changes" add constraint "identity_site_access_changes_role_check" check ("role" in ('ADMIN', 'SSH', 'SUPPORTER'))`);
    this.addSql(`alter table "identity_site_access_changes" add constraint "identity_site_access_changes_grantee_kind_check" check ("grantee_kind" in ('USER', 'GROUP'))`);
    this.addSql(`create table "identity_site_grants" ("site_id" uuid not null, "role" text not null, "grantee_kind" text not null, "grantee" varchar(255) not null, "granted_by" varchar(255) not null, "granted_at" timestamptz not null, primary key ("site_id", "role", "grantee_kind", "grantee"))`);
    this.addSql(`create index "identity_site_grants_grantee_kind_grantee_index" on "identity_site_grants" ("grantee_kind", "grantee")`);
    this.addSql(`alter table "identity_site_grants" add constraint "identity_site_grants_role_check" check ("role" in ('ADMIN', 'SSH', 'SUPPORTER'))`);
    this.addSql(`alter table "identity_site_grants" add constraint "identity_site_grants_grantee_kind_check" check ("grantee_kind" in ('USER', 'GROUP'))`);
    this.addSql(`create table "identity_ssh_keys" ("id" uuid not null, "username" varchar(255) not null, "type" varchar(64) not null, "bits" int not null, "fingerprint" varchar(128) not null, "public_key" text not null, "comment" varchar(255) null, "created_at" timestamptz not null, primary key ("id"))`);
    this.addSql(`create index "identity_ssh_keys_username_index" on "identity_ssh_keys" ("username")`);
    this.addSql(`alter table "identity_ssh_keys" add constraint "identity_ssh_keys_username_fingerprint_unique" unique ("username", "fingerprint")`);
    this.addSql(`create table "identity_sync_state" ("id" varchar(32) not null, "directory_kind" varchar(32) null, "last_success_at" timestamptz null, "last_attempt_at" timestamptz null, "last_error" text null, "users" int not null default 0, "groups" int not null default 0, "lease_owner" varchar(255) null, "lease_until" timestamptz null, primary key ("id"))`);
    this.addSql(`create table "identity_users" ("username" varchar(255) not null, "display_name" varchar(255) not null, "mail" varchar(255) null, "uid_number" bigint null, "gid_number" bigint null, "active" boolean not null, "left_at" timestamptz null, "synced_at" timestamptz not null, "search_text" text not null, primary key ("username"))`);
    this.addSql(`create index "identity_users_active_index" on "identity_users" ("active")`);
    // The change log's counter: every grant change updates (and so locks) this row.
    this.addSql(`insert into "identity_counters" ("name", "value") values ('site-access-changes', 0)`);
  }
}
