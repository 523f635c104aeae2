import type { Task, TaskEvent } from './task-entities.js';
import type { StepRecord, TaskErrorRecord, TaskEventType, TaskState } from './task-state.js';

/**
 * Tasks and events as they travel on the bus and reach resolvers: plain data, no ORM state, dates
 * as ISO strings so a message survives JSON unchanged.
 */
export interface TaskView {
  id: string;
  kind: string;
  subjectId: string;
  state: TaskState;
  progress: number;
  steps: StepRecord[];
  error: TaskErrorRecord | null;
  attempt: number;
  requestedBy: string;
  lastSeq: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface TaskEventView {
  taskId: string;
  subjectId: string;
  seq: number;
  at: string;
  type: TaskEventType;
  message: string;
  progress: number;
  step: string | null;
}

const iso = (date: Date | null | undefined) => (date ? new Date(date).toISOString() : null);

export const toTaskView = (task: Task): TaskView => ({
  id: task.id,
  kind: task.kind,
  subjectId: task.subjectId,
  state: task.state,
  progress: task.progress,
  steps: task.steps,
  error: task.error ?? null,
  attempt: task.attempt,
  requestedBy: task.requestedBy,
  lastSeq: task.lastSeq,
  createdAt: iso(task.createdAt)!,
  startedAt: iso(task.startedAt),
  finishedAt: iso(task.finishedAt),
  updatedAt: iso(task.updatedAt)!,
});

export const toTaskEventView = (event: TaskEvent, subjectId: string): TaskEventView => ({
  taskId: event.taskId,
  subjectId,
  seq: event.seq,
  at: iso(event.at)!,
  type: event.type as TaskEventType,
  message: event.message,
  progress: event.progress,
  step: event.step ?? null,
});

/** Bus channels: one per task for its events, one for every task's changes. */
export const taskEventsChannel = (taskId: string) => `task-events:${taskId}`;
export const TASK_UPDATES_CHANNEL = 'task-updates';
