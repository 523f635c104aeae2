import { Fatal } from '../driver.js';
import type { MoRef } from './vim/managed-object.js';
import { retrieveContained, retrieveObject, type ObjectContent } from './vim/property-collector.js';
import type { VimClient } from './vim/vim-client.js';
import { readMoRef, text } from './vim/xml-reader.js';

/** Where the driver puts new VMs, by inventory names; each may be left out when there is only one. */
export interface PlacementNames {
  datacenter?: string;
  /** A cluster, or a standalone host (both are ComputeResources); VMs go into its root resource pool. */
  cluster?: string;
  datastore?: string;
  /** A standard or distributed port group for the VM's one NIC. Left out: VMs get no NIC. */
  network?: string;
}

export interface Datacenter {
  ref: MoRef;
  name: string;
  vmFolder: MoRef;
}

export type NetworkBacking =
  | { kind: 'standard'; name: string; ref: MoRef }
  | { kind: 'distributed'; name: string; switchUuid: string; portgroupKey: string };

export interface Placement {
  resourcePool: MoRef;
  datastore: { ref: MoRef; name: string };
  network?: NetworkBacking;
}

interface Named {
  name: string;
  content: ObjectContent;
}

export async function findDatacenter(client: VimClient, name: string | undefined): Promise<Datacenter> {
  const { rootFolder } = await client.serviceContent();
  const datacenters = named(await retrieveContained(client, rootFolder, [{ type: 'Datacenter', paths: ['name', 'vmFolder'] }]));
  const datacenter = pick('datacenter', 'datacenter', datacenters, name, client.url.origin);
  return { ref: datacenter.content.obj, name: datacenter.name, vmFolder: reference(datacenter.content, 'vmFolder') };
}

/** Looks the names up in the datacenter; a name that is missing or ambiguous is a configuration error (Fatal). */
export async function resolvePlacement(client: VimClient, datacenter: Datacenter, names: PlacementNames): Promise<Placement> {
  const contents = await retrieveContained(client, datacenter.ref, [
    { type: 'ComputeResource', paths: ['name', 'resourcePool'] },
    { type: 'Datastore', paths: ['name'] },
    { type: 'Network', paths: ['name'] },
    { type: 'DistributedVirtualPortgroup', paths: ['key', 'config.distributedVirtualSwitch'] },
  ]);
  const where = `datacenter ${datacenter.name}`;
  const ofTypes = (...types: string[]) => named(contents.filter((content) => types.includes(content.obj.type)));
  const compute = pick('cluster or host', 'cluster', ofTypes('ComputeResource', 'ClusterComputeResource'), names.cluster, where);
  const datastore = pick('datastore', 'datastore', ofTypes('Datastore'), names.datastore, where);
  const network =
    names.network === undefined
      ? undefined
      : pick('network', 'network', ofTypes('Network', 'DistributedVirtualPortgroup', 'OpaqueNetwork'), names.network, where);
  return {
    resourcePool: reference(compute.content, 'resourcePool'),
    datastore: { ref: datastore.content.obj, name: datastore.name },
    network: network && (await networkBacking(client, network)),
  };
}

async function networkBacking(client: VimClient, network: Named): Promise<NetworkBacking> {
  const { obj } = network.content;
  if (obj.type === 'Network') return { kind: 'standard', name: network.name, ref: obj };
  if (obj.type !== 'DistributedVirtualPortgroup') throw new Fatal(`vmware: network ${network.name} is a ${obj.type}, which this driver cannot attach`);
  const portgroupKey = text(network.content.properties.get('key')) ?? obj.value;
  const switchContent = await retrieveObject(client, reference(network.content, 'config.distributedVirtualSwitch'), ['uuid']);
  const switchUuid = text(switchContent?.properties.get('uuid'));
  if (!switchUuid) throw new Fatal(`vmware: cannot find the distributed switch of port group ${network.name}`);
  return { kind: 'distributed', name: network.name, switchUuid, portgroupKey };
}

function named(contents: ObjectContent[]): Named[] {
  return contents.map((content) => ({ name: text(content.properties.get('name')) ?? content.obj.value, content }));
}

function reference(content: ObjectContent, path: string): MoRef {
  const value = content.properties.get(path);
  if (!value) throw new Fatal(`vmware: ${content.obj.type} ${content.obj.value} has no ${path}`);
  return readMoRef(value);
}

/** The candidate called `wanted`, or the only candidate when no name was configured. */
function pick(what: string, option: string, candidates: Named[], wanted: string | undefined, where: string): Named {
  const names = candidates.map((candidate) => candidate.name).sort().join(', ') || 'none';
  if (wanted === undefined) {
    if (candidates.length === 1) return candidates[0];
    throw new Fatal(`vmware: ${where} has ${candidates.length} of ${what} (${names}); set the "${option}" option to choose`);
  }
  const matches = candidates.filter((candidate) => candidate.name === wanted);
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new Fatal(`vmware: no ${what} named "${wanted}" in ${where} (there: ${names})`);
  throw new Fatal(`vmware: ${matches.length} of ${what} are named "${wanted}" in ${where}; rename one`);
}
