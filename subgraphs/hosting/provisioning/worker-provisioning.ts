import type { Config } from '../../../core/config.js';
import { createCertificateIssuer } from '../../../plugins/certificates/create-certificate-issuer.js';
import type { CertificateIssuer } from '../../../plugins/certificates/certificate-issuer.js';
import { createDnsPublisher } from '../../../plugins/dns/create-dns-publisher.js';
import type { DnsPublisher } from '../../../plugins/dns/dns-publisher.js';
import { createProvisioner } from '../../../plugins/provisioner/create-provisioner.js';
import type { Provisioner } from '../../../plugins/provisioner/provisioner.js';
import type { VmEndpoints } from '../../../plugins/provisioner/vm-endpoints.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import { SecretSealer } from '../configuration/sealed-secrets.js';
import type { IpregClient } from '../../ipreg/client/ipreg-client.js';
import { IpregGuestSeeds } from './ipreg-guest-seeds.js';
import { IpregVmEndpoints } from './ipreg-vm-endpoints.js';
import type { SiteProvisioning } from './site-provisioning.js';

export interface WorkerProvisioningOptions {
  config: Config;
  identity: Pick<IdentityClient, 'siteAccounts'>;
  /** VMs' host names, addresses and pre-generated host keys. */
  ipreg: Pick<IpregClient, 'vmNetwork' | 'vmHostKeys'>;
  /** Instead of the configured provisioner (tests watch the sim's runs). */
  provisioner?: Provisioner;
  /** A test's sshd instead of ipreg's addresses and host keys. */
  endpoints?: VmEndpoints;
}

/** The worker's provisioner (sim by default, ssh for real VMs), endpoints, guest seeds and certificate issuer, from configuration. */
export function workerProvisioning({ config, identity, ipreg, provisioner: given, endpoints }: WorkerProvisioningOptions): SiteProvisioning & { close(): Promise<void> } {
  const provisioner = given ?? createProvisioner(config.provisioning.provisioner);
  let issuer: CertificateIssuer | null = null;
  let challenges: DnsPublisher | null = null;
  const makeIssuer = () => {
    const { dns, ...certificates } = config.certificates;
    // ACME's DNS-01 challenges go through the dns plugin; the internal CA needs none.
    if (certificates.kind === 'acme' && dns) challenges = createDnsPublisher(dns);
    return createCertificateIssuer(certificates, { dataDir: config.dataDir, dnsPublisher: challenges ?? undefined });
  };
  return {
    provisioner,
    // Every provisioner, the sim too, configures the VM on ipreg's service name; those that connect check ipreg's host keys.
    endpoints: endpoints ?? new IpregVmEndpoints(ipreg),
    guestSeeds: new IpregGuestSeeds(ipreg, config.ipreg.hostKeyEncryptionKey),
    identity,
    approvedPackages: config.provisioning.approvedPackages,
    sealer: new SecretSealer(config.principalSecret),
    certificates: () => (issuer ??= makeIssuer()),
    async close() {
      await provisioner.close();
      await issuer?.close();
      await challenges?.close();
    },
  };
}
