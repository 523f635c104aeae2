import type { GuestSeed } from '../../../drivers/driver.js';
import type { CertificateIssuer } from '../../../plugins/certificates/certificate-issuer.js';
import type { Provisioner } from '../../../plugins/provisioner/provisioner.js';
import type { VmEndpoints } from '../../../plugins/provisioner/vm-endpoints.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import type { SecretSealer } from '../configuration/sealed-secrets.js';

/** What the workflows that configure a site's VM need from the worker. */
export interface SiteProvisioning {
  provisioner: Provisioner;
  /** Where each VM answers SSH and the host keys it must present (ipreg's, once plugged in). */
  endpoints: VmEndpoints;
  /** What a new VM boots with: its host name and pre-generated host keys. */
  guestSeeds: GuestSeeds;
  /** Who gets an account on a site's VM. */
  identity: Pick<IdentityClient, 'siteAccounts'>;
  approvedPackages: readonly string[];
  sealer: SecretSealer;
  /** Made on first use, so a worker whose issuer is misconfigured still runs everything else. */
  certificates(): CertificateIssuer;
}


/** The cloud-init seed of a VM about to be created (drivers without seeds ignore it). */
export interface GuestSeeds {
  seedOf(vm: { siteId: string; vmId: string; vmName: string }): Promise<GuestSeed>;
}
