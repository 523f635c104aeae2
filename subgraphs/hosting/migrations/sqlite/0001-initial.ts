import { Migration } from '@mikro-orm/migrations';

/** Sites, tasks and their events (sqlite). */
export class Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `sites` (`id` text not null primary key, `name` text not null, `description` text null, `state` text check (`state` in ('PROVISIONING', 'RUNNING', 'STOPPED', 'DISABLED', 'QUARANTINED', 'CANCELLED', 'FAILED')) not null, `flavor` text not null, `vm_ref` text null, `owner` text not null, `created_at` datetime not null, `updated_at` datetime not null)");
    this.addSql("create unique index `sites_name_unique` on `sites` (`name`)");
    this.addSql("create index `sites_state_index` on `sites` (`state`)");
    this.addSql("create index `sites_owner_index` on `sites` (`owner`)");
    this.addSql("create table `tasks` (`id` text not null primary key, `kind` text not null, `subject_id` text not null, `state` text check (`state` in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')) not null, `progress` real not null default 0, `steps` json not null, `error` json null, `attempt` integer not null default 0, `requested_by` text not null, `principal` json not null, `input` json not null, `output` json not null, `cancel_requested` integer not null default false, `lease_owner` text null, `lease_until` datetime null, `last_seq` integer not null default 0, `created_at` datetime not null, `started_at` datetime null, `finished_at` datetime null, `updated_at` datetime not null)");
    this.addSql("create index `tasks_subject_id_index` on `tasks` (`subject_id`)");
    this.addSql("create index `tasks_state_index` on `tasks` (`state`)");
    this.addSql("create index `tasks_requested_by_index` on `tasks` (`requested_by`)");
    this.addSql("create index `tasks_created_at_index` on `tasks` (`created_at`)");
    this.addSql("create table `task_events` (`task_id` text not null, `seq` integer not null, `at` datetime not null, `type` text not null, `message` text not null, `progress` real not null, `step` text null, primary key (`task_id`, `seq`))");
  }
}
