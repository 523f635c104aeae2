import type { DnsPublisher } from '../../../plugins/dns/dns-publisher.js';
import { deleteRRsets, replaceRRsets } from '../../../plugins/dns/rrset-changes.js';
import type { IpregClient } from '../../ipreg/client/ipreg-client.js';
import type { ServiceAddresses, ServiceAssignment, TestCopyRef } from './service-addresses.js';

/**
 * The test copy's names as the IP registry keeps them, published through the worker's DNS
 * publisher the way createSite's publish-dns step does. Each call is safe to repeat: allocation
 * returns what it gave before, records replace their whole RRsets, the assignment is declarative,
 * and a test copy's records are withdrawn before its names are released, so a retry still finds them.
 */
export class IpregServiceAddresses implements ServiceAddresses {
  constructor(
    private readonly ipreg: Pick<IpregClient, 'allocateNetwork' | 'releaseVmNetwork' | 'vmRecords' | 'assignServiceNames' | 'siteRecords'>,
    private readonly dns: Pick<DnsPublisher, 'apply'>,
  ) {}

  /** A TEST name with its own addresses, and a host name (with host keys) of its own, resolving at once. */
  async addTest({ siteId, testVmId }: TestCopyRef): Promise<void> {
    await this.ipreg.allocateNetwork({ siteId, purpose: 'TEST', vmId: testVmId });
    await this.ipreg.allocateNetwork({ siteId, purpose: 'HOST', vmId: testVmId });
    await this.dns.apply(replaceRRsets(await this.ipreg.vmRecords(testVmId)));
  }

  /** Its records go first, then its names, whose addresses ipreg quarantines. */
  async removeTest({ testVmId }: TestCopyRef): Promise<void> {
    const records = await this.ipreg.vmRecords(testVmId);
    if (records.length > 0) await this.dns.apply(deleteRRsets(records));
    await this.ipreg.releaseVmNetwork(testVmId);
  }

  /** The promoted VM takes the production name and its addresses; the site's records are published again as ipreg now has them. */
  async assign({ siteId, productionVmId, testVmId }: ServiceAssignment): Promise<void> {
    await this.ipreg.assignServiceNames({ siteId, productionVmId, testVmId });
    await this.dns.apply(replaceRRsets(await this.ipreg.siteRecords(siteId)));
  }
}
