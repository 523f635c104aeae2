import type { MikroORM } from '@mikro-orm/core';
import { VmEntity } from './vm-entity.js';

export interface VmHostView {
  hostName: string;
  vmId: string;
  siteId: string;
}

/** Host names → VMs, for senders of metrics. A VM's host name is its name on the hypervisor for now. */
export class VmHosts {
  constructor(private readonly orm: MikroORM) {}

  async byHostName(hostNames: string[]): Promise<VmHostView[]> {
    if (hostNames.length === 0) return [];
    const rows = await this.orm.em.fork().find(VmEntity, { name: { $in: hostNames } }, { fields: ['id', 'siteId', 'name'] });
    return rows.map((vm) => ({ hostName: vm.name, vmId: vm.id, siteId: vm.siteId }));
  }
}
