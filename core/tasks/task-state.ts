export const TASK_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const FINAL_TASK_STATES: readonly TaskState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
export const isFinal = (state: TaskState) => FINAL_TASK_STATES.includes(state);

export const STEP_STATES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'COMPENSATED', 'SKIPPED'] as const;
export type StepState = (typeof STEP_STATES)[number];

export interface StepRecord {
  name: string;
  state: StepState;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface TaskErrorRecord {
  code: string;
  message: string;
  step: string | null;
}

export const TASK_EVENT_TYPES = [
  'TASK_QUEUED',
  'TASK_STARTED',
  'STEP_STARTED',
  'STEP_PROGRESS',
  'STEP_LOG',
  'STEP_SUCCEEDED',
  'STEP_FAILED',
  'TASK_RETRYING',
  'TASK_CANCEL_REQUESTED',
  'TASK_COMPENSATING',
  'STEP_COMPENSATED',
  'TASK_SUCCEEDED',
  'TASK_FAILED',
  'TASK_CANCELLED',
] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];
/** The event after which a task's stream completes. */
export const FINAL_EVENT_TYPES: readonly TaskEventType[] = ['TASK_SUCCEEDED', 'TASK_FAILED', 'TASK_CANCELLED'];
