import { badInput } from '../../../core/errors.js';

/** A single DNS label (RFC 1123), lower case, so the name can become a host name as it is. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function validateSiteName(name: string): string {
  if (!DNS_LABEL.test(name)) {
    throw badInput(
      `Site name "${name.slice(0, 80)}" is not a DNS label: use 1–63 lower-case letters, digits and hyphens, not starting or ending with a hyphen`,
      'name',
    );
  }
  return name;
}
