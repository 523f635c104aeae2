import { normalizeName } from '../dns/dns-record.js';
import { Fatal } from '../plugin-errors.js';

/**
 * The domains an issuer may issue for: a name is issuable when it is one of them or below one
 * (`*.blog.hosting.example.org` included). Anything else is refused before the CA is asked.
 */
export class IssuableNames {
  readonly #domains: string[];

  constructor(domains: string[]) {
    if (!Array.isArray(domains) || domains.length === 0) throw new Fatal('a certificate issuer needs domains: the DNS domains it may issue certificates for');
    this.#domains = domains.map((domain) => normalizeName(domain));
  }

  /** The names normalized (lower case, no trailing dot) and without repeats, in their order. */
  check(names: string[]): string[] {
    if (names.length === 0) throw new Fatal('a certificate needs at least one name');
    const normalized = [...new Set(names.map((name) => normalizeName(name, { wildcard: true })))];
    const outside = normalized.filter((name) => !this.#domains.some((domain) => name === domain || name.endsWith(`.${domain}`)));
    if (outside.length > 0) {
      throw new Fatal(`${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the domains this issuer may issue for (${this.#domains.join(', ')})`);
    }
    return normalized;
  }
}
