import { DeadlockException, LockWaitTimeoutException, UniqueConstraintViolationException } from '@mikro-orm/core';

const ATTEMPTS = 20;

/** What a concurrent allocation can make an attempt fail with, so that trying again succeeds. */
function isContention(error: unknown): boolean {
  if (error instanceof UniqueConstraintViolationException || error instanceof DeadlockException || error instanceof LockWaitTimeoutException) return true;
  const code = (error as { code?: string }).code ?? '';
  return code === 'SQLITE_BUSY' || code === '40001' || code === '40P01';
}

/**
 * Runs `attempt` again when it lost a race (a unique constraint, a deadlock, a busy database), after
 * a short random pause that grows with each loss; the unique constraints make a lost race harmless.
 */
export async function retryContention<T>(attempt: () => Promise<T>, onLoss?: (error: unknown) => Promise<T | null>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isContention(error) || tries >= ATTEMPTS) throw error;
      const settled = await onLoss?.(error);
      if (settled) return settled;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** tries)));
    }
  }
}
