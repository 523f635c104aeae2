/**
 * Arguments as the audit log keeps them: secrets replaced, long text shortened, so the log says
 * what was asked without becoming a place secrets leak to.
 */

const SECRET_NAME = /secret|password|passphrase|token|private|credential|^key$/i;
const MAX_TEXT = 200;
const MAX_DEPTH = 6;

export const REDACTED = '[redacted]';

export function redactArguments(value: unknown, name = '', depth = 0): unknown {
  if (name && SECRET_NAME.test(name) && value !== null && value !== undefined) return REDACTED;
  if (typeof value === 'string') return value.length > MAX_TEXT ? `${value.slice(0, 40)}… (${value.length} characters)` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => redactArguments(item, '', depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactArguments(item, key, depth + 1)]));
}
