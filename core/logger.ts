import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; secrets are redacted wherever they might be attached. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { pid: process.pid, ...base },
    redact: ['*.authorization', '*.token', '*.password', '*.secret', 'req.headers.authorization'],
  });
}
