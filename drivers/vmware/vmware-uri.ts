import { booleanParam, InvalidHostConnection, parseConnectionUri } from '../registry/connection-uri.js';
import type { VmwareDriverOptions } from './vmware-driver.js';

const EXAMPLE = 'vmware://hostgraph%40vsphere.local@vcenter.example.org/sdk?datacenter=DC1&cluster=Web&datastore=ssd1&network=hosting';
const PARAMS = ['datacenter', 'cluster', 'datastore', 'network', 'insecure', 'guestId'] as const;

/** Everything a vmware driver needs but the password, which comes from the host's credential reference. */
export type VmwareConnection = Omit<VmwareDriverOptions, 'password'>;

/**
 * `vmware://USER@VCENTER[:PORT]/sdk?datacenter=…&cluster=…&datastore=…&network=…`: vCenter (or an
 * ESXi host) over HTTPS, and where new VMs go by inventory names; `insecure=true` accepts a
 * certificate that cannot be verified (lab servers only).
 */
export function parseVmwareUri(uri: string): VmwareConnection {
  const parsed = parseConnectionUri(uri, 'vmware', ['vmware'], PARAMS, EXAMPLE);
  const { url, params } = parsed;
  if (!url.hostname) throw new InvalidHostConnection('uri', `A vmware URI names vCenter's host: ${EXAMPLE}`);
  if (!parsed.username) throw new InvalidHostConnection('uri', `A vmware URI names the vSphere user: ${EXAMPLE}`);
  const insecure = booleanParam(parsed, 'insecure');
  return {
    url: `https://${url.host}${url.pathname && url.pathname !== '/' ? url.pathname : '/sdk'}`,
    username: parsed.username,
    ...Object.fromEntries(['datacenter', 'cluster', 'datastore', 'network', 'guestId'].filter((key) => params.has(key)).map((key) => [key, params.get(key)!])),
    ...(insecure !== undefined ? { insecure } : {}),
  };
}
