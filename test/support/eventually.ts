/**
 * Retries an assertion until it holds or `timeoutMs` passes, then throws its last failure. For
 * state that other processes change; the timeout is a deadline, not a measurement.
 */
export async function eventually<T>(assertion: () => T | Promise<T>, { timeoutMs = 15_000, intervalMs = 25 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
