import { AsyncLocalStorage } from 'node:async_hooks';

/** The ids that tie a log line to what it was part of: the API request, the task. */
export interface LogContext {
  requestId?: string;
  taskId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `work` with these ids added to every log line written inside it (through the logger's
 * mixin), across awaits, so a resolver deep down need not be handed a logger to be traceable.
 */
export const withLogContext = <T>(context: LogContext, work: () => T): T => storage.run({ ...storage.getStore(), ...context }, work);

export const currentLogContext = (): LogContext => storage.getStore() ?? {};
