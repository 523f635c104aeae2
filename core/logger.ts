import { pino, type DestinationStream, type Logger } from 'pino';
import { PRINCIPAL_HEADER } from './principal.js';

export type { Logger };

/** JSON logs (to stdout unless `destination` says otherwise); secrets are redacted wherever they might be attached. */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid, ...base },
    // A signed principal in a header works for minutes: it is as secret as the token it came from.
    redact: [
      '*.authorization',
      '*.token',
      '*.password',
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
