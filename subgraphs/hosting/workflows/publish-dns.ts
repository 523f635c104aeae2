import { deleteRRsets, replaceRRsets } from '../../../plugins/dns/rrset-changes.js';
import type { SiteStepContext } from './site-vm.js';

async function unpublish(context: SiteStepContext) {
  const records = await context.deps.ipreg.siteRecords(context.subjectId);
  if (records.length === 0) return;
  await context.deps.dns.apply(deleteRRsets(records));
  await context.log(`withdrew ${records.length} DNS records`);
}

/**
 * createSite's last step: the site's A, AAAA, SSHFP and PTR records (and its domain names' CNAMEs)
 * as the IP registry says they should be. A DNS server that cannot be reached is Transient, so the
 * step is retried; a refusal (a wrong TSIG key, say) fails the task, which withdraws the records.
 */
export const publishDnsStep = {
  name: 'publish-dns',
  async run(context: SiteStepContext) {
    const records = await context.deps.ipreg.siteRecords(context.subjectId);
    await context.deps.dns.apply(replaceRRsets(records));
    await context.log(`published ${records.length} DNS records (${context.deps.dns.kind})`);
  },
  undo: unpublish,
};

/** deleteSite's first step: the site stops resolving before its VM goes. */
export const unpublishDnsStep = { name: 'unpublish-dns', run: unpublish };
