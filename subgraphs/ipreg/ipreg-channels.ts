/**
 * What the IP registry announces on the bus. A message only says what changed; whoever follows it
 * asks ipreg again for the truth, and must not rely on hearing every message (the bus is best effort).
 */

/** A domain name was taken off its site (removeDomainName): a vhost answering on it lets it go. */
export const DOMAIN_NAME_REMOVED_CHANNEL = 'ipreg:domain-name-removed';
export interface DomainNameRemoved {
  siteId: string;
  fqdn: string;
}
