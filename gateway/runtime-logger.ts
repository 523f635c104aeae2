import { Logger as RuntimeLogger, type LogLevel } from '@graphql-hive/gateway-runtime';
import type { Logger } from '../core/logger.js';

const RUNTIME_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** A PEM private key, wherever it stands (uploadCertificate's variables, in a subgraph request's body). */
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

/** The runtime's debug logs quote requests whole; keys pasted into them must not reach a log. */
function withoutPrivateKeys(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.includes('PRIVATE KEY') ? value.replace(PRIVATE_KEY, '[redacted private key]') : value;
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => withoutPrivateKeys(item, depth + 1));
  // Errors and other instances stay whole, for pino's serializers.
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutPrivateKeys(item, depth + 1)]));
}

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
          const fields = withoutPrivateKeys(Array.isArray(attrs) ? { attrs } : (attrs ?? {})) as Record<string, unknown>;
          logger[level]({ component: 'gateway-runtime', ...fields }, msg ?? undefined);
        },
      },
    ],
  });
}
