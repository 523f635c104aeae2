import { Logger as RuntimeLogger, type LogLevel } from '@graphql-hive/gateway-runtime';
import type { Logger } from '../core/logger.js';

const RUNTIME_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/**
 * The Hive runtime's own logs (masked errors, failing subgraph fetches) written through our pino
 * logger, so they are JSON like ours and carry the runtime's `requestId`.
 */
export function runtimeLogger(logger: Logger): RuntimeLogger {
  return new RuntimeLogger({
    // Asked on every log, so changing the pino level at run time applies here too.
    level: () => {
      const level = logger.level as LogLevel | 'fatal' | 'silent';
      if (level === 'silent') return false;
      return RUNTIME_LEVELS.includes(level as LogLevel) ? (level as LogLevel) : 'error';
    },
    // Its debug logs show the headers of subgraph requests; pino redacts them (core/logger.ts).
    // The runtime's own `redact` would compile a redactor for every child logger, i.e. per request.
    writers: [
      {
        write(level, attrs, msg) {
          const fields = Array.isArray(attrs) ? { attrs } : (attrs ?? {});
          logger[level]({ component: 'gateway-runtime', ...fields }, msg ?? undefined);
        },
      },
    ],
  });
}
