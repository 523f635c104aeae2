import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../../../core/graphql/connection.js';
import {
  STEP_STATES,
  TASK_EVENT_TYPES,
  TASK_STATES,
  type StepState,
  type TaskEventType,
  type TaskState,
} from '../../../core/tasks/task-state.js';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const TaskStateEnum = enumOf(TASK_STATES);
registerEnumType(TaskStateEnum, { name: 'TaskState' });
export const StepStateEnum = enumOf(STEP_STATES);
registerEnumType(StepStateEnum, { name: 'TaskStepState' });
export const TaskEventTypeEnum = enumOf(TASK_EVENT_TYPES);
registerEnumType(TaskEventTypeEnum, { name: 'TaskEventType' });

@ObjectType({ description: 'One step of a task, in the order they run.' })
export class TaskStep {
  @Field(() => String)
  name!: string;

  @Field(() => StepStateEnum)
  state!: StepState;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true })
  error!: string | null;
}

@ObjectType({ description: 'Why a task failed or was cancelled.' })
export class TaskError {
  @Field(() => String, { description: 'CONFLICT, NOT_FOUND, TRANSIENT, HYPERVISOR_ERROR, CANCELLED, …' })
  code!: string;

  @Field(() => String, { description: "In the upstream's own words where there was one." })
  message!: string;

  @Field(() => String, { nullable: true, description: 'The step that failed.' })
  step!: string | null;
}

@ObjectType({ description: 'A piece of work on a site, run by a worker; every change of it is a TaskEvent.' })
@Directive('@key(fields: "id")')
export class Task {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'createSite, startSite, stopSite, rebootSite, deleteSite, …' })
  kind!: string;

  @Field(() => ID, { description: 'The site the task works on (it may since have been deleted).' })
  siteId!: string;

  @Field(() => TaskStateEnum)
  state!: TaskState;

  @Field(() => Float, { description: '0 to 1.' })
  progress!: number;

  @Field(() => [TaskStep])
  steps!: TaskStep[];

  @Field(() => TaskError, { nullable: true })
  error!: TaskError | null;

  @Field(() => Int, { description: 'How many times a worker has taken it up; more than 1 after a retry or a crash.' })
  attempt!: number;

  @Field(() => String)
  requestedBy!: string;

  @Field(() => Int, { description: 'Sequence number of its latest event.' })
  lastSeq!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({ description: 'A change of a task. `seq` starts at 1 and grows by one per task.' })
export class TaskEvent {
  @Field(() => ID)
  taskId!: string;

  @Field(() => Int)
  seq!: number;

  @Field(() => Date)
  at!: Date;

  @Field(() => TaskEventTypeEnum)
  type!: TaskEventType;

  @Field(() => String)
  message!: string;

  @Field(() => Float, { description: "The task's progress after this event, 0 to 1." })
  progress!: number;

  @Field(() => String, { nullable: true })
  step!: string | null;
}

export const TaskConnection = connectionType(Task, 'Task');

@InputType({ description: 'Narrows `tasks`; every field given must match.' })
export class TaskFilter {
  @Field(() => ID, { nullable: true })
  siteId?: string;

  @Field(() => TaskStateEnum, { nullable: true })
  state?: TaskState;

  @Field(() => String, { nullable: true })
  kind?: string;
}
