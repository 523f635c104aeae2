import type { TaskEventView, TaskView } from '../../../core/tasks/task-view.js';
import type { Task, TaskEvent } from './task-types.js';

const date = (iso: string | null) => (iso ? new Date(iso) : null);

export const toTask = (view: TaskView): Task => ({
  ...view,
  siteId: view.subjectId,
  steps: view.steps.map((step) => ({ ...step, startedAt: date(step.startedAt), finishedAt: date(step.finishedAt) })),
  createdAt: new Date(view.createdAt),
  startedAt: date(view.startedAt),
  finishedAt: date(view.finishedAt),
  updatedAt: new Date(view.updatedAt),
});

export const toTaskEvent = (view: TaskEventView): TaskEvent => ({ ...view, at: new Date(view.at) });
