import type { ProgressCallback } from '../driver.js';

/**
 * An operation made of several XAPI tasks gives each its share of the bar: this maps a task's own
 * 0–1 onto `from`–`to` of the operation's progress.
 */
export function progressSpan(progress: ProgressCallback, from: number, to: number): ProgressCallback {
  return (fraction) => progress(from + (to - from) * Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)));
}
