import { domainToASCII } from 'node:url';
import { badInput } from '../../../core/errors.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A domain name as people write it, in the form DNS stores it: internationalised labels in punycode
 * (`bücher.example` → `xn--bcher-kva.example`), lower case, no trailing dot. Refused: wildcards,
 * underscores and other characters no host name has, labels over 63 characters, names over 253,
 * single labels and all-numeric top-level labels (an address, not a name).
 */
export function normalizeDomainName(input: string): string {
  const trimmed = input.trim().replace(/\.$/, '');
  const field = 'name';
  if (trimmed.includes('*')) throw badInput(`"${trimmed.slice(0, 80)}": wildcard names are not accepted; ask for each name`, field);
  if (trimmed.length === 0) throw badInput('the domain name is empty', field);
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii) throw badInput(`"${trimmed.slice(0, 80)}" is not a valid domain name`, field);
  if (ascii.length > 253) throw badInput(`"${ascii.slice(0, 80)}…" is longer than 253 characters`, field);
  const labels = ascii.split('.');
  if (labels.length < 2) throw badInput(`"${ascii}" is a single label; give the full name, e.g. www.example.org`, field);
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    throw badInput(
      bad.length > 63 ? `"${bad.slice(0, 20)}…" is longer than 63 characters, the most a label may have` : `"${bad}" is not a valid label: letters, digits and hyphens, not starting or ending with a hyphen`,
      field,
    );
  }
  if (/^\d+$/.test(labels.at(-1)!)) throw badInput(`"${ascii}" looks like an address, not a name`, field);
  return ascii;
}
