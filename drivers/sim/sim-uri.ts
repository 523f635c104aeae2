import { InvalidHostConnection, parseConnectionUri } from '../registry/connection-uri.js';

const EXAMPLE = 'sim:///default';

/**
 * `sim:///NAME`: one simulated hypervisor, its VMs in a table of their own in the application's
 * database (`sim_vms` for `default`, `sim_vms_<name>` otherwise), so several sim hosts stay apart.
 */
export function parseSimUri(uri: string): { tableName: string } {
  const parsed = parseConnectionUri(uri, 'sim', ['sim'], [], EXAMPLE);
  if (parsed.url.host || parsed.username) throw new InvalidHostConnection('uri', `A sim URI names no host: ${EXAMPLE}`);
  const name = parsed.url.pathname.replace(/^\//, '');
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(name)) {
    throw new InvalidHostConnection('uri', `A sim URI ends in a name of lower-case letters, digits and hyphens (1–40): ${EXAMPLE}`);
  }
  return { tableName: name === 'default' ? 'sim_vms' : `sim_vms_${name.replaceAll('-', '_')}` };
}
