import { InvalidHostConnection, parseConnectionUri, requireParam } from '../registry/connection-uri.js';
import type { XenDriverOptions } from './xen-driver.js';

const EXAMPLE = 'xen+https://root@xen1.example.org/?template=Debian%20Bookworm%2012';
const PARAMS = ['template', 'sr'] as const;

/** Everything a xen driver needs but the password, which comes from the host's credential reference. */
export type XenConnection = Omit<XenDriverOptions, 'password'>;

/**
 * `xen+https://USER@POOL-MASTER[:PORT]/?template=NAME[&sr=UUID]`: XAPI's JSON-RPC on the pool master,
 * the template new VMs are made from, and the SR their disks go to (the pool's default when absent).
 * `xen+http://` only for a server on a trusted network.
 */
export function parseXenUri(uri: string): XenConnection {
  const parsed = parseConnectionUri(uri, 'xen', ['xen+https', 'xen+http'], PARAMS, EXAMPLE);
  const { url, params } = parsed;
  if (!url.hostname) throw new InvalidHostConnection('uri', `A xen URI names the pool master: ${EXAMPLE}`);
  if (!parsed.username) throw new InvalidHostConnection('uri', `A xen URI names the XAPI user: ${EXAMPLE}`);
  if (url.pathname !== '/' && url.pathname !== '') throw new InvalidHostConnection('uri', 'A xen URI has no path: XAPI answers at the host itself');
  const template = requireParam(parsed, 'template', 'xen');
  const sr = params.get('sr');
  if (sr !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sr)) {
    throw new InvalidHostConnection('uri', `sr is the uuid of a storage repository, not "${sr.slice(0, 60)}"`);
  }
  return {
    url: `${url.protocol.replace('xen+', '')}//${url.host}`,
    username: parsed.username,
    template,
    ...(sr ? { srUuid: sr } : {}),
  };
}
