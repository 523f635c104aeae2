import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import { badInput, conflict, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Principal } from '../../../core/principal.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import type { CertificatesConfig } from '../../../plugins/certificates/create-certificate-issuer.js';
import { IssuableNames } from '../../../plugins/certificates/issuable-names.js';
import { checkUploadedCertificate } from '../../../plugins/certificates/upload/check-uploaded-certificate.js';
import { normalizeName } from '../../../plugins/dns/dns-record.js';
import { assertConfigurable } from '../configuration/configurable-site.js';
import { dispatchConfiguration, requestConfiguration } from '../configuration/configuration-requests.js';
import type { SecretSealer } from '../configuration/sealed-secrets.js';
import { privateKeyPurpose } from '../provisioning/apply-site-configuration.js';
import type { SiteService } from '../sites/site-service.js';
import { stepNamesOf } from '../workflows/site-workflows.js';
import { DEFAULT_VHOST } from '../workflows/provision-site.js';
import type { IpregClient } from '../../ipreg/client/ipreg-client.js';
import { VhostEntity, VhostNameEntity, type Vhost } from './vhost-entity.js';

const MAX_ALIASES = 50;

export interface VhostServiceOptions {
  orm: MikroORM;
  tasks: TaskService;
  sites: SiteService;
  sealer: SecretSealer;
  certificates: CertificatesConfig;
  /** CA certificates an upload may chain to besides the public ones (the internal CA's). */
  trustedCertificates: () => Promise<string[]>;
  /** Who the IP registry gives each name to: a vhost may not answer on another site's names. */
  ipreg: Pick<IpregClient, 'siteHoldingName'>;
}

/** A site's vhosts: each change is stored, then applied by a (coalesced) configuration run. */
export class VhostService {
  constructor(private readonly options: VhostServiceOptions) {}

  async list(siteId: string): Promise<Vhost[]> {
    return this.options.orm.em.fork().find(VhostEntity, { siteId }, { orderBy: { createdAt: 'asc', name: 'asc' } });
  }

  /** A vhost of a site the principal may manage (or see); unknown → NOT_FOUND. */
  async get(principal: Principal, vhostId: string, need: 'see' | 'manage' = 'manage'): Promise<Vhost> {
    const vhost = await this.options.orm.em.fork().findOne(VhostEntity, { id: validateId(vhostId), state: 'ACTIVE' });
    if (!vhost) throw notFound('Vhost', vhostId);
    await this.options.sites.get(principal, vhost.siteId, need);
    return vhost;
  }

  async add(principal: Principal, siteId: string, input: { serverName: string; aliases?: string[] | null }): Promise<{ vhost: Vhost; task: TaskView }> {
    const site = await this.options.sites.get(principal, siteId, 'manage');
    assertConfigurable(site);
    const serverName = dnsName(input.serverName, 'serverName', false);
    const aliases = [...new Set((input.aliases ?? []).map((alias) => dnsName(alias, 'aliases', true)))].filter((alias) => alias !== serverName);
    if (aliases.length > MAX_ALIASES) throw badInput(`A vhost has at most ${MAX_ALIASES} aliases`, 'aliases');
    const names = [serverName, ...aliases];
    const id = randomUUID();
    const em = this.options.orm.em.fork();
    const taken = await em.find(VhostNameEntity, { name: { $in: names } });
    if (taken.length > 0) throw nameTaken(taken.map((row) => row.name));
    await this.assertNotAnotherSitesName(site.id, names);
    try {
      const { vhost, request } = await em.transactional(async (tx) => {
        const vhost = tx.create(VhostEntity, { id, siteId: site.id, name: `vhost-${id.slice(0, 8)}`, serverName, aliases, state: 'ACTIVE', certificateSource: null, certificateChain: null, privateKeySealed: null, certificateNotAfter: null, certificateRenewAfter: null });
        for (const name of names) tx.create(VhostNameEntity, { name, vhostId: id });
        await tx.flush();
        return { vhost, request: await requestConfiguration(tx, this.options.tasks, site.id, principal, `vhost ${serverName} added`) };
      });
      return { vhost, task: await dispatchConfiguration(this.options.tasks, request) };
    } catch (error) {
      // Two requests for one name at once: the unique index decides.
      if (error instanceof UniqueConstraintViolationException) throw nameTaken(names);
      throw error;
    }
  }

  /**
   * A name ipreg gave another site (its service or host name, or a domain name it asked for) is
   * that site's: answering on it here would take its traffic once DNS points there. Names ipreg
   * has given nobody stay allowed, as do the site's own.
   */
  private async assertNotAnotherSitesName(siteId: string, names: string[]): Promise<void> {
    const holders = await Promise.all(names.map(async (name) => ({ name, siteId: await this.options.ipreg.siteHoldingName(name) })));
    const others = holders.filter((holder) => holder.siteId !== null && holder.siteId !== siteId).map((holder) => holder.name);
    if (others.length > 0) throw conflict(`${others.join(', ')} ${others.length === 1 ? 'is a name' : 'are names'} the IP registry gives another site; ask for your own with requestDomainName`);
  }

  /** Takes the vhost off the VM at the next run; its names are free at once. The default vhost stays. */
  async remove(principal: Principal, vhostId: string): Promise<TaskView> {
    const vhost = await this.get(principal, vhostId);
    if (vhost.name === DEFAULT_VHOST) throw conflict(`${vhost.serverName} is the site's service name: its vhost cannot be removed`);
    const site = await this.options.sites.get(principal, vhost.siteId, 'manage');
    assertConfigurable(site);
    const request = await this.options.orm.em.fork().transactional(async (em) => {
      await em.nativeUpdate(VhostEntity, { id: vhost.id }, { state: 'REMOVING' });
      await em.nativeDelete(VhostNameEntity, { vhostId: vhost.id });
      return requestConfiguration(em, this.options.tasks, site.id, principal, `vhost ${vhost.serverName} removed`);
    });
    return dispatchConfiguration(this.options.tasks, request);
  }

  /** A certificate from the configured issuer; names it may not issue for are refused before any task. */
  async requestCertificate(principal: Principal, vhostId: string): Promise<TaskView> {
    const vhost = await this.get(principal, vhostId);
    const site = await this.options.sites.get(principal, vhost.siteId, 'manage');
    assertConfigurable(site);
    try {
      new IssuableNames(this.options.certificates.domains).check([vhost.serverName, ...vhost.aliases]);
    } catch (error) {
      throw badInput(`No certificate can be issued for this vhost: ${(error as Error).message}; upload one instead`, 'vhostId');
    }
    const published = await this.options.orm.em.fork().transactional(async (em) =>
      this.options.tasks.submit(em, { kind: 'requestCertificate', subjectId: site.id, input: { vhostId: vhost.id }, principal, stepNames: stepNamesOf('requestCertificate') }),
    );
    return this.options.tasks.dispatch(published);
  }

  /** Checks the certificate against the key, the vhost's names and a trusted chain, keeps it (key sealed), and installs it. */
  async uploadCertificate(principal: Principal, vhostId: string, upload: { certificate: string; privateKey: string; chain?: string | null }): Promise<TaskView> {
    const vhost = await this.get(principal, vhostId);
    const site = await this.options.sites.get(principal, vhost.siteId, 'manage');
    assertConfigurable(site);
    const checked = checkUploadedCertificate(
      { certificate: upload.certificate, privateKey: upload.privateKey, chain: upload.chain ?? undefined },
      { names: [vhost.serverName, ...vhost.aliases], trustedCertificates: await this.options.trustedCertificates() },
    );
    const request = await this.options.orm.em.fork().transactional(async (em) => {
      await em.nativeUpdate(
        VhostEntity,
        { id: vhost.id },
        {
          certificateSource: 'UPLOADED',
          certificateChain: checked.certificateChain,
          privateKeySealed: this.options.sealer.seal(upload.privateKey.trim() + '\n', privateKeyPurpose(vhost.id)),
          certificateNotAfter: checked.notAfter,
          certificateRenewAfter: null,
        },
      );
      return requestConfiguration(em, this.options.tasks, site.id, principal, `certificate uploaded for ${vhost.serverName}`);
    });
    return dispatchConfiguration(this.options.tasks, request);
  }
}

function dnsName(name: string, field: string, wildcard: boolean): string {
  try {
    return normalizeName(name, { wildcard });
  } catch (error) {
    throw badInput((error as Error).message, field);
  }
}

const nameTaken = (names: string[]) => conflict(`${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} already a name of a vhost; each name belongs to one vhost`);
