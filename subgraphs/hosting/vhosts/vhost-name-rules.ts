import { badInput, conflict, HostgraphError } from '../../../core/errors.js';
import { normalizeName } from '../../../plugins/dns/dns-record.js';
import type { DomainNameState } from '../../ipreg/domain-names/domain-name-entity.js';
import type { IpregClient, SiteNamesView } from '../../ipreg/client/ipreg-client.js';

const MAX_ALIASES = 50;

/** A vhost's names as asked for: the main name (ServerName) first, then the aliases. */
export interface VhostNames {
  serverName: string;
  aliases: string[];
}

/**
 * Normalized (lower case, no trailing dot); malformed names, wildcards (ipreg gives no wildcard
 * domain names), a name given twice and more than 50 aliases are BAD_USER_INPUT.
 */
export function parseVhostNames(input: { serverName: string; aliases?: readonly string[] | null }): VhostNames {
  const serverName = dnsName(input.serverName, 'serverName');
  const aliases = (input.aliases ?? []).map((alias) => dnsName(alias, 'aliases'));
  if (aliases.length > MAX_ALIASES) throw badInput(`A vhost has at most ${MAX_ALIASES} aliases`, 'aliases');
  const seen = new Set([serverName]);
  for (const alias of aliases) {
    if (seen.has(alias)) throw badInput(`${alias} is given twice: name each of the vhost's names once`, 'aliases');
    seen.add(alias);
  }
  return { serverName, aliases };
}

function dnsName(name: string, field: string): string {
  if (name.includes('*')) throw badInput(`"${name.slice(0, 80)}": a vhost answers on domain names of its site, and the IP registry gives no wildcard names; name each`, field);
  try {
    return normalizeName(name.trim());
  } catch (error) {
    throw badInput((error as Error).message, field);
  }
}

/**
 * The names a vhost of the site may answer on: its ACTIVE domain names, and its VMs' host names
 * (reaching a vhost before DNS points a domain at it). Names still pending (EXTERNAL,
 * AWAITING_APPROVAL) are not: ipreg does not give them to the site yet.
 */
export function usableNames(site: SiteNamesView): Set<string> {
  return new Set([...site.domainNames.filter((domain) => domain.state === 'ACTIVE').map((domain) => domain.fqdn), ...site.hostNames]);
}

/**
 * Refuses, before anything is written, a name the vhost may not answer on: the site's service
 * names (the default vhost's) and another site's names are CONFLICT; any other name that is not
 * usable is DOMAIN_NAME_NOT_ACTIVE, saying for each what is missing (`extensions.domainNames`).
 */
export async function assertSiteMayUse(ipreg: Pick<IpregClient, 'siteNames' | 'siteHoldingName'>, siteId: string, names: VhostNames): Promise<void> {
  const all = [names.serverName, ...names.aliases];
  const site = (await ipreg.siteNames([siteId])).get(siteId)!;
  const service = all.filter((name) => site.serviceNames.includes(name));
  if (service.length > 0) throw conflict(`${service.join(', ')} ${service.length === 1 ? 'is a service name' : 'are service names'} of the site: its default vhost answers on ${service.length === 1 ? 'it' : 'them'}`);
  const usable = usableNames(site);
  const refused = all.filter((name) => !usable.has(name)).map((name) => ({ name, state: site.domainNames.find((domain) => domain.fqdn === name)?.state ?? null }));
  if (refused.length === 0) return;
  const holders = await Promise.all(refused.filter((name) => name.state === null).map(async ({ name }) => ({ name, siteId: await ipreg.siteHoldingName(name) })));
  const others = holders.filter((holder) => holder.siteId !== null && holder.siteId !== siteId).map((holder) => holder.name);
  if (others.length > 0) throw conflict(`${others.join(', ')} ${others.length === 1 ? 'is a name' : 'are names'} the IP registry gives another site; ask for your own with requestDomainName`);
  throw new HostgraphError('DOMAIN_NAME_NOT_ACTIVE', `A vhost answers only on ACTIVE domain names of its site: ${refused.map(whatIsMissing).join('; ')}`, {
    field: refused[0]!.name === names.serverName ? 'serverName' : 'aliases',
    domainNames: refused,
  });
}

function whatIsMissing({ name, state }: { name: string; state: DomainNameState | null }): string {
  if (state === 'EXTERNAL') return `${name} is EXTERNAL: publish its TXT token at _hostgraph.${name}, then call verifyDomainName`;
  if (state === 'AWAITING_APPROVAL') return `${name} is AWAITING_APPROVAL: a platform admin must approve it`;
  return `${name} is not a domain name of the site: ask for it with requestDomainName first`;
}
