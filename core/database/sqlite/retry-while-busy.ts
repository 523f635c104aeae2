import { setTimeout as sleep } from 'node:timers/promises';

const FIRST_PAUSE_MS = 1;
const LONGEST_PAUSE_MS = 50;

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, …): another connection holds the lock. */
export const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};

/**
 * Runs `attempt` again while it fails with SQLITE_BUSY, sleeping in between (so the process goes on,
 * including the transaction that holds the lock), a little longer each time. After `timeoutMs` the
 * last SQLITE_BUSY is thrown as it came. Only for what SQLite undid entirely when it refused it.
 */
export async function retryWhileBusy<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const left = deadline - performance.now();
      if (!isBusy(error) || left <= 0) throw error;
      // Jitter keeps several waiters from retrying in step.
      await sleep(Math.min(left, pause * (0.5 + Math.random())));
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
}
