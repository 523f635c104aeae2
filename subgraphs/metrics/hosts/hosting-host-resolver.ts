import type { HostingClient } from '../../hosting/client/hosting-client.js';
import type { HostPlacement, HostResolver } from './host-resolver.js';

/** Asks hosting which VM has each host name (its name on the hypervisor, for now). */
export class HostingHostResolver implements HostResolver {
  constructor(private readonly hosting: Pick<HostingClient, 'vmsByHostName'>) {}

  async resolve(hostNames: string[]): Promise<Map<string, HostPlacement>> {
    const answer = new Map<string, HostPlacement>();
    for (let i = 0; i < hostNames.length; i += 500) {
      for (const vm of await this.hosting.vmsByHostName(hostNames.slice(i, i + 500))) answer.set(vm.hostName, { vmId: vm.vmId, siteId: vm.siteId });
    }
    return answer;
  }
}
