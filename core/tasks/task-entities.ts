import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Principal } from '../principal.js';
import { TASK_STATES, type StepRecord, type TaskErrorRecord } from './task-state.js';

export const TaskEntity = defineEntity({
  name: 'Task',
  tableName: 'tasks',
  properties: {
    id: p.uuid().primary(),
    kind: p.string().length(64),
    /** Tasks of one subject run one at a time, in order of creation. */
    subjectId: p.uuid().index(),
    state: p.enum(TASK_STATES).index(),
    progress: p.float().default(0),
    steps: p.json<StepRecord[]>(),
    error: p.json<TaskErrorRecord>().nullable(),
    /** How many times a worker has taken this task up (a crash or a retry adds one). */
    attempt: p.integer().default(0),
    requestedBy: p.string().length(255).index(),
    /** The caller's principal, so the work is done with the rights of whoever asked for it. */
    principal: p.json<Principal>(),
    input: p.json<Record<string, unknown>>(),
    /** What the steps recorded for later steps and for undoing themselves (a VM's ref, say). */
    output: p.json<Record<string, unknown>>(),
    cancelRequested: p.boolean().default(false),
    leaseOwner: p.string().length(255).nullable(),
    leaseUntil: p.datetime().nullable(),
    lastSeq: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()).index(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type Task = InferEntity<typeof TaskEntity>;

export const TaskEventEntity = defineEntity({
  name: 'TaskEvent',
  tableName: 'task_events',
  properties: {
    taskId: p.uuid().primary(),
    seq: p.integer().primary(),
    at: p.datetime(),
    // A plain string, not an enum: new event types must not need a migration (SQLite cannot alter checks).
    type: p.string().length(32),
    message: p.text(),
    progress: p.float(),
    step: p.string().length(255).nullable(),
  },
  primaryKeys: ['taskId', 'seq'],
});
export type TaskEvent = InferEntity<typeof TaskEventEntity>;
