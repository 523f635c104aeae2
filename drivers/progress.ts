import type { ProgressCallback } from './driver.js';

/**
 * Wraps a caller's progress callback so it only ever sees fractions in 0–1 that never go down.
 * Hypervisors report jittery progress (XAPI tasks, retried steps start over); the task runtime
 * and dashboards must not see a bar move backwards, so every driver reports through this.
 */
export function monotonicProgress(callback: ProgressCallback | undefined): ProgressCallback {
  let last = -1;
  return (fraction) => {
    const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    if (clamped <= last) return;
    last = clamped;
    callback?.(clamped);
  };
}
