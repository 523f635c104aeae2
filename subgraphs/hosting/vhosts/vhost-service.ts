import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { badInput, conflict, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Principal } from '../../../core/principal.js';
import type { TaskService } from '../../../core/tasks/task-service.js';
import type { TaskView } from '../../../core/tasks/task-view.js';
import type { CertificatesConfig } from '../../../plugins/certificates/create-certificate-issuer.js';
import { IssuableNames } from '../../../plugins/certificates/issuable-names.js';
import { namesNotCovered } from '../../../plugins/certificates/certificate-coverage.js';
import { checkUploadedCertificate } from '../../../plugins/certificates/upload/check-uploaded-certificate.js';
import { assertConfigurable } from '../configuration/configurable-site.js';
import { dispatchConfiguration, requestConfiguration } from '../configuration/configuration-requests.js';
import type { SecretSealer } from '../configuration/sealed-secrets.js';
import { privateKeyPurpose } from '../provisioning/apply-site-configuration.js';
import type { SiteService } from '../sites/site-service.js';
import { stepNamesOf } from '../workflows/site-workflows.js';
import { DEFAULT_VHOST } from '../workflows/provision-site.js';
import type { IpregClient } from '../../ipreg/client/ipreg-client.js';
import { VhostEntity, VhostNameEntity, type Vhost } from './vhost-entity.js';
import { markVhostRemoving, renameVhost } from './vhost-name-changes.js';
import { assertSiteMayUse, parseVhostNames, type VhostNames } from './vhost-name-rules.js';

export interface VhostServiceOptions {
  orm: MikroORM;
  tasks: TaskService;
  sites: SiteService;
  sealer: SecretSealer;
  certificates: CertificatesConfig;
  /** CA certificates an upload may chain to besides the public ones (the internal CA's). */
  trustedCertificates: () => Promise<string[]>;
  /** What the IP registry gives the site (a vhost answers only on its names), and who holds the others. */
  ipreg: Pick<IpregClient, 'siteNames' | 'siteHoldingName'>;
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

  /** A vhost on ACTIVE domain names of the site (see assertSiteMayUse); nothing is written when one is refused. */
  async add(principal: Principal, siteId: string, input: { serverName: string; aliases?: string[] | null }): Promise<{ vhost: Vhost; task: TaskView }> {
    const site = await this.options.sites.get(principal, siteId, 'manage');
    assertConfigurable(site);
    const names = await this.checkNames(site.id, input, null);
    const id = randomUUID();
    return this.storingNames(names, async (tx) => {
      const vhost = tx.create(VhostEntity, { id, siteId: site.id, name: `vhost-${id.slice(0, 8)}`, serverName: names.serverName, aliases: names.aliases, state: 'ACTIVE', certificateSource: null, certificateChain: null, privateKeySealed: null, certificateNotAfter: null, certificateRenewAfter: null });
      for (const name of [names.serverName, ...names.aliases]) tx.create(VhostNameEntity, { name, vhostId: id });
      await tx.flush();
      const request = await requestConfiguration(tx, this.options.tasks, site.id, principal, `vhost ${names.serverName} added`);
      return { vhost, task: () => dispatchConfiguration(this.options.tasks, request) };
    });
  }

  /**
   * Replaces a vhost's names (main name and aliases), checked as addVhost's are; a configuration
   * run applies them. An issued certificate that no longer covers every name is requested anew
   * for all of them (the old one serves until the new one is installed); an uploaded one, or one
   * the issuer cannot issue for the new names, stays and says so (`coversNames: false`).
   */
  async setNames(principal: Principal, vhostId: string, input: { serverName: string; aliases?: string[] | null }): Promise<{ vhost: Vhost; task: TaskView; certificateTask: TaskView | null }> {
    const current = await this.get(principal, vhostId);
    if (current.name === DEFAULT_VHOST) throw conflict(`${current.serverName} is the site's service name: the default vhost keeps it; add a vhost for domain names`);
    const site = await this.options.sites.get(principal, current.siteId, 'manage');
    assertConfigurable(site);
    const names = await this.checkNames(site.id, input, current.id);
    const renewal = this.certificateRenewalFor(current, names);
    return this.storingNames(names, async (tx) => {
      const vhost = await renameVhost(tx, current.id, names);
      if (!vhost) throw notFound('Vhost', vhostId);
      const request = await requestConfiguration(tx, this.options.tasks, site.id, principal, `vhost ${names.serverName} renamed`);
      // Submitted after the run it follows: a site's tasks run one at a time, in order.
      const certificate = renewal ? this.options.tasks.submit(tx, { kind: 'requestCertificate', subjectId: site.id, input: { vhostId: vhost.id }, principal, stepNames: stepNamesOf('requestCertificate') }) : null;
      return {
        vhost,
        task: async () => ({ task: await dispatchConfiguration(this.options.tasks, request), certificateTask: certificate ? await this.options.tasks.dispatch(certificate) : null }),
      };
    }).then(({ vhost, task }) => ({ vhost, ...task }));
  }

  /** Syntax, then other vhosts, then the IP registry: each refusal before anything is written. */
  private async checkNames(siteId: string, input: { serverName: string; aliases?: string[] | null }, vhostId: string | null): Promise<VhostNames> {
    const names = parseVhostNames(input);
    const taken = (await this.options.orm.em.fork().find(VhostNameEntity, { name: { $in: [names.serverName, ...names.aliases] } })).filter((row) => row.vhostId !== vhostId);
    if (taken.length > 0) throw nameTaken(taken.map((row) => row.name));
    await assertSiteMayUse(this.options.ipreg, siteId, names);
    return names;
  }

  /** Runs the change in a transaction, then dispatches what it queued; two requests for one name at once: the unique index decides. */
  private async storingNames<T>(names: VhostNames, change: (tx: EntityManager) => Promise<{ vhost: Vhost; task: () => Promise<T> }>): Promise<{ vhost: Vhost; task: T }> {
    try {
      const { vhost, task } = await this.options.orm.em.fork().transactional(change);
      return { vhost, task: await task() };
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw nameTaken([names.serverName, ...names.aliases]);
      throw error;
    }
  }

  /** Whether the vhost's certificate must be requested anew for these names: issued, not covering them, and issuable. */
  private certificateRenewalFor(vhost: Vhost, names: VhostNames): boolean {
    if (vhost.certificateSource !== 'ISSUED' || !vhost.certificateChain) return false;
    const all = [names.serverName, ...names.aliases];
    if (namesNotCovered(vhost.certificateChain, all).length === 0) return false;
    try {
      new IssuableNames(this.options.certificates.domains).check(all);
      return true;
    } catch {
      return false;
    }
  }

  /** Takes the vhost off the VM at the next run; its names are free at once. The default vhost stays. */
  async remove(principal: Principal, vhostId: string): Promise<TaskView> {
    const vhost = await this.get(principal, vhostId);
    if (vhost.name === DEFAULT_VHOST) throw conflict(`${vhost.serverName} is the site's service name: its vhost cannot be removed`);
    const site = await this.options.sites.get(principal, vhost.siteId, 'manage');
    assertConfigurable(site);
    const request = await this.options.orm.em.fork().transactional(async (em) => {
      await markVhostRemoving(em, vhost.id);
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

const nameTaken = (names: string[]) => conflict(`${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} already a name of a vhost; each name belongs to one vhost`);
