/**
 * Arguments as the audit log keeps them: secrets replaced, long text shortened, so the log says
 * what was asked without becoming a place secrets leak to. A secret is recognised by the name of
 * its field (`secret`, `password`, `key`, …) and, wherever it was pasted, by its shape: an API
 * token secret, a private key, a JWT.
 */

const SECRET_NAME = /secret|password|passphrase|token|private|credential|^key$/i;
const SECRET_TEXT = [
  /hgt_[A-Za-z0-9_-]{16,}/g,
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  /PuTTY-User-Key-File-\d+:[\s\S]*/g,
  /\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/g,
];
const MAX_TEXT = 200;
const MAX_DEPTH = 6;

export const REDACTED = '[redacted]';

/** Text with whatever looks like a secret replaced: for messages and any free text. */
export const redactText = (text: string): string => SECRET_TEXT.reduce((redacted, pattern) => redacted.replace(pattern, REDACTED), text);

export function redactArguments(value: unknown, name = '', depth = 0): unknown {
  if (name && SECRET_NAME.test(name) && value !== null && value !== undefined) return REDACTED;
  if (typeof value === 'string') {
    const text = redactText(value);
    return text.length > MAX_TEXT ? `${text.slice(0, 40)}… (${text.length} characters)` : text;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => redactArguments(item, '', depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactArguments(item, key, depth + 1)]));
}
