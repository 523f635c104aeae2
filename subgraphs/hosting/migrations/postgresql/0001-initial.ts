import { Migration } from '@mikro-orm/migrations';

/** Sites, tasks and their events (postgresql). */
export class Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "sites" ("id" uuid not null, "name" varchar(63) not null, "description" text null, "state" text not null, "flavor" varchar(64) not null, "vm_ref" varchar(255) null, "owner" varchar(255) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"))`);
    this.addSql(`alter table "sites" add constraint "sites_name_unique" unique ("name")`);
    this.addSql(`create index "sites_state_index" on "sites" ("state")`);
    this.addSql(`create index "sites_owner_index" on "sites" ("owner")`);
    this.addSql(`alter table "sites" add constraint "sites_state_check" check ("state" in ('PROVISIONING', 'RUNNING', 'STOPPED', 'DISABLED', 'QUARANTINED', 'CANCELLED', 'FAILED'))`);
    this.addSql(`create table "tasks" ("id" uuid not null, "kind" varchar(64) not null, "subject_id" uuid not null, "state" text not null, "progress" real not null default 0, "steps" jsonb not null, "error" jsonb null, "attempt" int not null default 0, "requested_by" varchar(255) not null, "principal" jsonb not null, "input" jsonb not null, "output" jsonb not null, "cancel_requested" boolean not null default false, "lease_owner" varchar(255) null, "lease_until" timestamptz null, "last_seq" int not null default 0, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, "updated_at" timestamptz not null, primary key ("id"))`);
    this.addSql(`create index "tasks_subject_id_index" on "tasks" ("subject_id")`);
    this.addSql(`create index "tasks_state_index" on "tasks" ("state")`);
    this.addSql(`create index "tasks_requested_by_index" on "tasks" ("requested_by")`);
    this.addSql(`create index "tasks_created_at_index" on "tasks" ("created_at")`);
    this.addSql(`alter table "tasks" add constraint "tasks_state_check" check ("state" in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'))`);
    this.addSql(`create table "task_events" ("task_id" uuid not null, "seq" int not null, "at" timestamptz not null, "type" varchar(32) not null, "message" text not null, "progress" real not null, "step" varchar(255) null, primary key ("task_id", "seq"))`);
  }
}
