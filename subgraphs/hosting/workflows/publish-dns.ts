import type { DnsRecord } from '../../../plugins/dns/dns-record.js';
import type { RecordChange } from '../../../plugins/dns/record-change.js';
import type { SiteStepContext } from './site-vm.js';

/** Each RRset of the records, whole: replacing it is idempotent, and leaves nothing stale behind. */
function rrsets(records: DnsRecord[]): Map<string, DnsRecord[]> {
  const sets = new Map<string, DnsRecord[]>();
  for (const record of records) {
    const key = `${record.name} ${record.type}`;
    sets.set(key, [...(sets.get(key) ?? []), record]);
  }
  return sets;
}

const publication = (records: DnsRecord[]): RecordChange[] =>
  [...rrsets(records).values()].map((set) => ({ action: 'replaceRRset', name: set[0]!.name, type: set[0]!.type, records: set }));

const withdrawal = (records: DnsRecord[]): RecordChange[] =>
  [...rrsets(records).values()].map((set) => ({ action: 'deleteRRset', name: set[0]!.name, type: set[0]!.type }));

async function unpublish(context: SiteStepContext) {
  const records = await context.deps.ipreg.siteRecords(context.subjectId);
  if (records.length === 0) return;
  await context.deps.dns.apply(withdrawal(records));
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
    await context.deps.dns.apply(publication(records));
    await context.log(`published ${records.length} DNS records (${context.deps.dns.kind})`);
  },
  undo: unpublish,
};

/** deleteSite's first step: the site stops resolving before its VM goes. */
export const unpublishDnsStep = { name: 'unpublish-dns', run: unpublish };
