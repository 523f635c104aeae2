import type { ProgressCallback } from '../../driver.js';
import type { MoRef } from './managed-object.js';
import { retrieveObject } from './property-collector.js';
import type { VimClient } from './vim-client.js';
import { VimUnavailableError, readLocalizedFault } from './vim-errors.js';
import { child, childNumber, childText } from './xml-reader.js';

export interface TaskWaitOptions {
  /** The longest pause between two polls; polls start at 50 ms and back off to this. */
  pollIntervalMs: number;
  /** A task still queued or running after this long is given up on (it may still finish). */
  timeoutMs: number;
}

/**
 * Polls a vSphere Task until it ends. `info.progress` (0–100, while running) goes to `onProgress`
 * as 0–1; success reports 1 and returns `info.result` (e.g. the new VM's reference); an error
 * throws the task's fault as VimFault.
 */
export async function waitForTask(
  client: VimClient,
  task: MoRef,
  onProgress: ProgressCallback,
  options: TaskWaitOptions,
): Promise<Element | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let pauseMs = 50;
  for (;;) {
    const content = await retrieveObject(client, task, ['info']);
    const info = content?.properties.get('info');
    if (!info) throw new Error(`vSphere task ${task.value} disappeared before it ended`);
    const state = childText(info, 'state');
    if (state === 'success') {
      onProgress(1);
      return child(info, 'result');
    }
    if (state === 'error') {
      const error = child(info, 'error');
      throw error ? readLocalizedFault(error) : new Error(`vSphere task ${task.value} failed without saying why`);
    }
    const percent = childNumber(info, 'progress');
    if (state === 'running' && percent !== undefined) onProgress(percent / 100);
    if (Date.now() > deadline) {
      throw new VimUnavailableError(`vSphere task ${task.value} (${childText(info, 'descriptionId') ?? 'unknown'}) is still ${state} after ${options.timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(pauseMs * 2, options.pollIntervalMs);
  }
}
