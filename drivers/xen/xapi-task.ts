import type { ProgressCallback } from '../driver.js';
import type { XapiClient } from './xapi-client.js';
import { isXapiError, XapiError, XapiTransportError } from './xapi-error.js';
import type { TaskRecord } from './xapi-records.js';
import { decodeTaskResult } from './xapi-wire-values.js';

export interface TaskWaitOptions {
  onProgress: ProgressCallback;
  pollIntervalMs: number;
}

/** Where a task stands when the wait ends: finished one way or another, or still pending when the wait ran out. */
export type TaskOutcome =
  | { status: 'success'; result: string }
  | { status: 'failure'; error: XapiError }
  | { status: 'pending' };

/**
 * Starts `Async.<method>`: XAPI answers at once with a task reference and does the work in the
 * background. A call XAPI refuses outright (bad session, unknown method) fails here instead.
 */
export async function startTask(client: XapiClient, method: string, args: unknown[]): Promise<string> {
  return String(await client.call(`Async.${method}`, ...args));
}

/**
 * Polls `task.get_record` until the task leaves `pending` or `waitMs` passes, feeding its progress
 * (0–1) to `onProgress`. A cancelled task counts as a failure with TASK_CANCELLED, as XAPI's own
 * error_info says for tasks it cancels.
 */
export async function waitForTask(
  client: XapiClient,
  task: string,
  method: string,
  waitMs: number,
  options: TaskWaitOptions,
): Promise<TaskOutcome> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const record = await readTask(client, task, method);
    // XAPI sets progress to 1 on failure too; a failed step's bar should not claim it is done.
    if (record.status === 'pending' || record.status === 'success') options.onProgress(Number(record.progress));
    switch (record.status) {
      case 'success':
        return { status: 'success', result: decodeTaskResult(record.result) };
      case 'failure':
        return { status: 'failure', error: XapiError.fromErrorInfo(record.error_info, method) };
      case 'cancelled':
        return {
          status: 'failure',
          error: record.error_info.length ? XapiError.fromErrorInfo(record.error_info, method) : new XapiError('TASK_CANCELLED', [task], method),
        };
      default: {
        // pending, or `cancelling`, which XAPI documents but no longer sets
        const remaining = deadline - Date.now();
        if (remaining <= 0) return { status: 'pending' };
        await sleep(Math.min(options.pollIntervalMs, remaining));
      }
    }
  }
}

/**
 * Runs `Async.<method>` to its end and returns its decoded result (a reference, or "" for calls
 * without one). A task still pending after `timeoutMs` is cancelled and reported as transient.
 */
export async function runTask(
  client: XapiClient,
  method: string,
  args: unknown[],
  timeoutMs: number,
  options: TaskWaitOptions,
): Promise<string> {
  const task = await startTask(client, method, args);
  const outcome = await waitForTask(client, task, method, timeoutMs, options);
  if (outcome.status === 'pending') {
    await client.call('task.cancel', task).catch(() => {});
    throw new XapiTransportError(`${method} did not finish within ${timeoutMs} ms; its task ${task} was cancelled`, true);
  }
  await forgetTask(client, task);
  if (outcome.status === 'failure') throw outcome.error;
  return outcome.result;
}

/** Finished tasks stay in XAPI's database until destroyed; clean up after ourselves, best effort. */
export async function forgetTask(client: XapiClient, task: string): Promise<void> {
  await client.call('task.destroy', task).catch(() => {});
}

async function readTask(client: XapiClient, task: string, method: string): Promise<TaskRecord> {
  try {
    return await client.call<TaskRecord>('task.get_record', task);
  } catch (error) {
    // Tasks do not survive a toolstack restart: whether the work happened is unknown, so the caller reads the state back.
    if (isXapiError(error, 'HANDLE_INVALID')) {
      throw new XapiTransportError(`lost track of ${method}: its task ${task} is gone (XAPI restarted?)`, true, { cause: error });
    }
    throw error;
  }
}

/** The global timer, so tests may drive polling with fake timers. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
