/**
 * The Ansible dynamic-inventory document (what `ansible-inventory -i SCRIPT --list` reads): every
 * VM a caller may see as an Ansible host, grouped by site, flavor, service and hypervisor, with
 * `_meta.hostvars` so Ansible does not call back once per host.
 */

/** One VM, as the federated graph describes it: hosting's site and VM, the inventory's placement, ipreg's names when there. */
export interface InventoryVm {
  vmId: string;
  vmName: string;
  /** PRODUCTION or TEST. */
  role: string;
  siteId: string;
  siteName: string;
  flavor: string;
  siteState: string;
  hypervisor: string | null;
  powerState: string | null;
  /** ipreg's host name of the VM and its addresses, when the graph has them. */
  hostName: string | null;
  addresses: string[];
  /** ipreg's service name of the site and its addresses, when the graph has them. */
  serviceName: string | null;
  serviceAddresses: string[];
}

export interface AnsibleGroup {
  hosts?: string[];
  children?: string[];
  vars?: Record<string, unknown>;
}

export type AnsibleInventory = { _meta: { hostvars: Record<string, Record<string, unknown>> } } & Record<string, AnsibleGroup | { hostvars: Record<string, Record<string, unknown>> }>;

/** Ansible group names are identifiers; anything else becomes an underscore (as Ansible itself would, with a warning). */
export const groupName = (prefix: string, name: string) => `${prefix}_${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;

export function ansibleInventory(vms: InventoryVm[]): AnsibleInventory {
  const hostvars: Record<string, Record<string, unknown>> = {};
  const groups = new Map<string, Set<string>>();
  const siteVars = new Map<string, Record<string, unknown>>();
  const add = (group: string, host: string) => (groups.get(group) ?? groups.set(group, new Set()).get(group)!).add(host);
  const parents: Record<string, Set<string>> = { sites: new Set(), flavors: new Set(), hypervisors: new Set(), services: new Set(['production', 'test']) };

  for (const vm of [...vms].sort((a, b) => a.vmName.localeCompare(b.vmName))) {
    const inventoryName = vm.hostName ?? vm.vmName;
    const service = vm.role === 'TEST' ? 'test' : 'production';
    const address = vm.addresses.find((candidate) => !candidate.includes(':')) ?? vm.addresses[0] ?? (service === 'production' ? vm.serviceAddresses[0] : undefined);
    hostvars[inventoryName] = {
      ...(address ? { ansible_host: address } : {}),
      hostgraph_vm_id: vm.vmId,
      hostgraph_vm_name: vm.vmName,
      hostgraph_site: vm.siteName,
      hostgraph_site_id: vm.siteId,
      hostgraph_site_state: vm.siteState,
      hostgraph_flavor: vm.flavor,
      hostgraph_service: service,
      ...(vm.serviceName ? { hostgraph_service_name: vm.serviceName } : {}),
      ...(vm.hostName ? { hostgraph_host_name: vm.hostName } : {}),
      ...(vm.addresses.length ? { hostgraph_addresses: vm.addresses } : {}),
      ...(vm.serviceAddresses.length ? { hostgraph_service_addresses: vm.serviceAddresses } : {}),
      ...(vm.hypervisor ? { hostgraph_hypervisor: vm.hypervisor } : {}),
      ...(vm.powerState ? { hostgraph_power_state: vm.powerState } : {}),
    };
    const site = groupName('site', vm.siteName);
    add(site, inventoryName);
    parents.sites!.add(site);
    siteVars.set(site, { hostgraph_site: vm.siteName, hostgraph_site_id: vm.siteId, ...(vm.serviceName ? { hostgraph_service_name: vm.serviceName } : {}) });
    const flavor = groupName('flavor', vm.flavor);
    add(flavor, inventoryName);
    parents.flavors!.add(flavor);
    add(service, inventoryName);
    if (vm.hypervisor) {
      const hypervisor = groupName('hypervisor', vm.hypervisor);
      add(hypervisor, inventoryName);
      parents.hypervisors!.add(hypervisor);
    }
  }

  const document: AnsibleInventory = { _meta: { hostvars } };
  document.all = { children: ['ungrouped', ...Object.keys(parents)] };
  document.ungrouped = { hosts: [] };
  for (const [parent, children] of Object.entries(parents)) document[parent] = { children: [...children].sort() };
  for (const [group, hosts] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    document[group] = { hosts: [...hosts], ...(siteVars.has(group) ? { vars: siteVars.get(group) } : {}) };
  }
  for (const service of parents.services!) document[service] ??= { hosts: [] };
  return document;
}
