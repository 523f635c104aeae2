import type { RoleApplication } from '../../../plugins/provisioner/provisioner.js';
import type { SiteAccountView } from '../../identity/client/identity-client.js';

export interface VhostConfiguration {
  name: string;
  serverName: string;
  aliases: string[];
  state: 'ACTIVE' | 'REMOVING';
  /** Present once the vhost has a certificate: it is then served over HTTPS. */
  tls: { certificateChain: string; privateKey: string } | null;
}

/** Everything a site's VM should have, as hosting stores it. */
export interface SiteConfigurationState {
  /** The VM's own host name, which its service addresses are listed for. */
  hostName: string;
  serviceName: string;
  /** What the service name resolves to, carried on the VM's interface. */
  serviceAddresses: string[];
  accounts: SiteAccountView[];
  vhosts: VhostConfiguration[];
  packages: { name: string; wanted: boolean }[];
}

/**
 * The roles that make a VM what its site says, in the order they must run: the base system, its
 * service addresses, the site's people, Apache, the packages asked for, vhosts taken away, then
 * each vhost (its certificate first). Every role is idempotent, so this is both the first provisioning and every
 * re-application.
 */
export function siteConfigurationRoles(state: SiteConfigurationState): RoleApplication[] {
  const packages = [...state.packages].sort((a, b) => a.name.localeCompare(b.name));
  const vhosts = [...state.vhosts].sort((a, b) => a.name.localeCompare(b.name));
  return [
    { role: 'base', parameters: { serviceName: state.serviceName } },
    serviceAddressesRole(state),
    { role: 'site-users', parameters: { users: state.accounts.map((account) => ({ name: account.username, uid: account.uidNumber, sshKeys: account.sshKeys })) } },
    { role: 'apache' },
    ...(packages.length === 0
      ? []
      : [{ role: 'packages', parameters: { install: packages.filter((p) => p.wanted).map((p) => p.name), remove: packages.filter((p) => !p.wanted).map((p) => p.name) } }]),
    ...vhosts.filter((vhost) => vhost.state === 'REMOVING').map((vhost) => ({ role: 'vhost-removed', parameters: { name: vhost.name } })),
    ...vhosts
      .filter((vhost) => vhost.state === 'ACTIVE')
      .flatMap((vhost): RoleApplication[] => [
        ...(vhost.tls ? [{ role: 'tls-certificate', parameters: { name: vhost.name, ...vhost.tls } }] : []),
        { role: 'vhost', parameters: { name: vhost.name, serverName: vhost.serverName, aliases: vhost.aliases, tls: vhost.tls !== null } },
      ]),
  ];
}

/** The service addresses the VM carries on its interface: createSite's, every re-application's, and switchServices' on both VMs. */
export const serviceAddressesRole = (vm: Pick<SiteConfigurationState, 'hostName' | 'serviceAddresses'>): RoleApplication => ({
  role: 'service-addresses',
  parameters: { hostName: vm.hostName, addresses: vm.serviceAddresses },
});
