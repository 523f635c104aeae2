import { NotFound } from '../../../drivers/driver.js';
import { certificateExpiry } from '../../../plugins/certificates/expiry/certificate-expiry.js';
import { applySiteConfiguration, privateKeyPurpose } from '../provisioning/apply-site-configuration.js';
import { VhostEntity } from '../vhosts/vhost-entity.js';
import type { SiteStepContext, SiteWorkflow } from './site-vm.js';

export interface RequestCertificateInput {
  vhostId: string;
}

async function activeVhost(context: SiteStepContext<RequestCertificateInput>) {
  const vhost = await context.em.findOne(VhostEntity, { id: context.input.vhostId, siteId: context.subjectId, state: 'ACTIVE' }, { refresh: true });
  if (!vhost) throw new NotFound(`vhost ${context.input.vhostId} is no longer on the site`);
  return vhost;
}

/**
 * A certificate for every name of a vhost from the configured issuer (the internal CA, or ACME),
 * kept with the vhost (its key sealed), then installed by a configuration run: the vhost is then
 * served over HTTPS. The scheduled renewal runs the same workflow.
 */
export const requestCertificateWorkflow: SiteWorkflow<RequestCertificateInput> = {
  kind: 'requestCertificate',
  steps: [
    {
      name: 'issue-certificate',
      async run(context) {
        const vhost = await activeVhost(context);
        const { sealer, certificates } = context.deps.provisioning;
        const names = [vhost.serverName, ...vhost.aliases];
        const issued = await certificates().issue(names, { onProgress: (message) => void context.log(message) });
        const expiry = certificateExpiry(issued.certificate);
        vhost.certificateSource = 'ISSUED';
        vhost.certificateChain = issued.chain ? `${issued.certificate.trimEnd()}\n${issued.chain}` : issued.certificate;
        vhost.privateKeySealed = sealer.seal(issued.privateKey, privateKeyPurpose(vhost.id));
        vhost.certificateNotAfter = expiry.notAfter;
        vhost.certificateRenewAfter = expiry.renewAfter;
        await context.em.flush();
        await context.log(`certificate for ${names.join(', ')} issued by ${certificates().kind}, valid until ${expiry.notAfter.toISOString()}`);
      },
    },
    {
      name: 'install-certificate',
      async run(context) {
        await activeVhost(context);
        await applySiteConfiguration(context);
      },
    },
  ],
};
