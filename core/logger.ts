import { pino, type Logger } from 'pino';
import { currentLogContext } from './observability/log-context.js';

export type { Logger };

/**
 * JSON logs; secrets are redacted wherever they might be attached. Every line written while a
 * request or a task is handled carries its `requestId` or `taskId` (core/observability/log-context.ts).
 */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { pid: process.pid, ...base },
    mixin: () => ({ ...currentLogContext() }),
    redact: ['*.authorization', '*.token', '*.password', '*.secret', 'req.headers.authorization'],
  });
}
