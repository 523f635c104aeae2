import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '../../core/bus/in-process-bus.js';
import { migrate } from '../../core/database/open-database.js';
import { createLogger } from '../../core/logger.js';
import { servicePrincipal } from '../../core/principal.js';
import { InProcessQueue } from '../../core/queue/in-process-queue.js';
import { TaskRunner } from '../../core/tasks/task-runner.js';
import { TaskService } from '../../core/tasks/task-service.js';
import { TaskStore } from '../../core/tasks/task-store.js';
import { taskEventsChannel, type TaskView } from '../../core/tasks/task-view.js';
import { workflowRegistry, type StepContext } from '../../core/tasks/workflow.js';
import { openHostingDatabase } from '../../subgraphs/hosting/hosting-database.js';
import { classifySiteError } from '../../subgraphs/hosting/workflows/classify-error.js';

export interface RetriedTask {
  state: string;
  attempt: number;
  /** Event types in order, TASK_QUEUED first. */
  events: string[];
}

/**
 * Runs one step as a real task would run it: the task runtime, an in-process queue and the
 * worker's own error classification. `onRetrying` runs when the runtime schedules a retry.
 */
export async function runAsTask(step: (context: StepContext) => Promise<void>, onRetrying: () => Promise<void>): Promise<RetriedTask> {
  const dir = mkdtempSync(join(tmpdir(), 'hostgraph-retry-'));
  const orm = await openHostingDatabase(`sqlite:${join(dir, 'tasks.sqlite')}`);
  const bus = new InProcessBus();
  const queue = new InProcessQueue({ maxAttempts: 4, backoffMs: 50 });
  const logger = createLogger('silent');
  try {
    await migrate(orm);
    const store = new TaskStore(orm, bus, logger);
    const events: string[] = [];
    let settle!: (task: TaskView) => void;
    const settled = new Promise<TaskView>((resolve) => (settle = resolve));
    let retried = Promise.resolve();
    const runner = new TaskRunner({
      orm,
      store,
      queue,
      workflows: workflowRegistry([{ kind: 'conformance', steps: [{ name: 'operate', run: step }] }]),
      deps: {},
      classifyError: classifySiteError,
      logger,
      workerId: 'conformance',
      leaseMs: 60_000,
      retryDelayMs: () => 50,
      maxAttempts: 4,
    });
    const service = new TaskService(store, queue, logger);
    const published = await orm.em.fork().transactional(async (em) =>
      service.submit(em, { kind: 'conformance', subjectId: '00000000-0000-4000-8000-000000000001', input: {}, principal: servicePrincipal('conformance'), stepNames: ['operate'] }),
    );
    // Follow the task's events as they are stored and published.
    await bus.subscribe(taskEventsChannel(published.task.id), (message) => {
      const event = message as { type: string };
      events.push(event.type);
      if (event.type === 'TASK_RETRYING') retried = retried.then(onRetrying);
      if (['TASK_SUCCEEDED', 'TASK_FAILED', 'TASK_CANCELLED'].includes(event.type)) void store.get(published.task.id).then((task) => settle(task!));
    });
    await queue.process(runner.handle, { concurrency: 1 });
    await service.dispatch(published);
    const task = await settled;
    await retried;
    return { state: task.state, attempt: task.attempt, events };
  } finally {
    await queue.close();
    await bus.close();
    await orm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
