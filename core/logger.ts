import { pino, type DestinationStream, type Logger } from 'pino';
import { currentLogContext } from './observability/log-context.js';
import { PRINCIPAL_HEADER } from './principal.js';

export type { Logger };

/**
 * JSON logs (to stdout unless `destination` says otherwise); secrets are redacted wherever they might
 * be attached. Every line written while a request or a task is handled carries its `requestId` or
 * `taskId` (core/observability/log-context.ts).
 */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid, ...base },
    mixin: () => ({ ...currentLogContext() }),
    // A signed principal in a header works for minutes: it is as secret as the token it came from.
    redact: [
      '*.authorization',
      '*.token',
      '*.password',
      // GraphQL results the gateway logs at debug level (a generated password is returned once).
      'data.*.password',
      '*.data.*.password',
      '*.secret',
      'req.headers.authorization',
      'headers.authorization',
      '*.headers.authorization',
      `headers["${PRINCIPAL_HEADER}"]`,
      `*.headers["${PRINCIPAL_HEADER}"]`,
    ],
  };
  return destination ? pino(options, destination) : pino(options);
}
