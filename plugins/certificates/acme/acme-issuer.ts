import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as acme from 'acme-client';
import type { DnsPublisher } from '../../dns/dns-publisher.js';
import type { RecordChange } from '../../dns/record-change.js';
import { Fatal, PluginError, Transient } from '../../plugin-errors.js';
import type { CertificateIssuer, IssuedCertificate, IssueOptions } from '../certificate-issuer.js';
import type { IssuableNames } from '../issuable-names.js';
import { keptFile } from '../kept-file.js';
import { generateKeys, privateKeyPem, SIGNING_ALGORITHM, x509 } from '../x509/web-crypto.js';
import { trustAcmeServer } from './acme-trust.js';

export interface AcmeIssuerOptions {
  directoryUrl: string;
  /** The account's contact, `mailto:` added. */
  email?: string;
  names: IssuableNames;
  /** Publishes the DNS-01 challenge records into the zones that hold the names. */
  dns: DnsPublisher;
  /** Holds the account key, made on first use and kept (one per ACME directory). */
  directory: string;
  /** Extra CA certificates (PEM) that the ACME server's HTTPS certificate chains to. */
  caCertificates?: string[];
  /** How long a published challenge may take to show at the primary before the CA is asked to look. */
  propagationTimeoutMs?: number;
}

const CHALLENGE_TTL = 60;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Certificates from an ACME CA (RFC 8555) with acme-client: the account is registered once per
 * key, every name is proven by DNS-01 (a TXT record at `_acme-challenge.<name>`, published through
 * the dns plugin and removed afterwards, whatever happened), the order is finalized with a CSR
 * for a fresh key, and the chain downloaded.
 */
export class AcmeIssuer implements CertificateIssuer {
  readonly kind = 'acme';
  readonly #untrust: () => void;
  #client: Promise<acme.Client> | null = null;

  constructor(private readonly options: AcmeIssuerOptions) {
    this.#untrust = options.caCertificates?.length ? trustAcmeServer(options.directoryUrl, options.caCertificates) : () => {};
  }

  async issue(names: string[], { onProgress = () => {} }: IssueOptions = {}): Promise<IssuedCertificate> {
    const checked = this.options.names.check(names);
    try {
      const client = await this.#account();
      const order = await client.createOrder({ identifiers: checked.map((value) => ({ type: 'dns', value })) });
      onProgress(`ordered a certificate for ${checked.join(', ')} from ${this.options.directoryUrl}`);
      for (const authorization of await client.getAuthorizations(order)) {
        if (authorization.status !== 'valid') await this.#prove(client, authorization, onProgress);
      }
      const keys = await generateKeys();
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: [{ CN: [checked[0]] }],
        keys,
        signingAlgorithm: SIGNING_ALGORITHM,
        extensions: [new x509.SubjectAlternativeNameExtension(checked.map((value) => ({ type: 'dns' as const, value })))],
      });
      await client.finalizeOrder(order, csr.toString('pem'));
      const [leaf, ...chain] = (await client.getCertificate(order)).match(PEM_CERTIFICATE) ?? [];
      if (!leaf) throw new Fatal(`${this.options.directoryUrl} sent no certificate for the order`);
      const certificate = new x509.X509Certificate(leaf);
      onProgress(`certificate issued, valid until ${certificate.notAfter.toISOString()}`);
      return {
        names: checked,
        certificate: `${leaf}\n`,
        chain: chain.map((pem) => `${pem}\n`).join(''),
        privateKey: await privateKeyPem(keys.privateKey),
        notBefore: certificate.notBefore,
        notAfter: certificate.notAfter,
      };
    } catch (error) {
      throw classify(error, this.options.directoryUrl);
    }
  }

  async close(): Promise<void> {
    this.#untrust();
  }

  async #prove(client: acme.Client, authorization: acme.Authorization, onProgress: (message: string) => void): Promise<void> {
    const challenge = authorization.challenges.find((candidate) => candidate.type === 'dns-01');
    const name = authorization.identifier.value;
    if (!challenge) throw new Fatal(`${this.options.directoryUrl} offers no dns-01 challenge for ${name}`);
    // RFC 8555 §8.4; a wildcard's challenge sits at its base name.
    const record = { name: `_acme-challenge.${name.replace(/^\*\./, '')}`, type: 'TXT' as const, ttl: CHALLENGE_TTL, value: [await client.getChallengeKeyAuthorization(challenge)] };
    const dns = this.options.dns;
    await dns.apply([{ action: 'add', record }]);
    try {
      onProgress(`published TXT ${record.name}, waiting for it at the primary`);
      await this.#visible(record.name, record.value[0]);
      await client.completeChallenge(challenge);
      onProgress(`asked the CA to check ${record.name}`);
      await client.waitForValidStatus(challenge);
      onProgress(`${name} proven`);
    } finally {
      const removal: RecordChange = { action: 'delete', record };
      await dns.apply([removal]).catch(() => onProgress(`could not remove TXT ${record.name}; it is harmless and goes with the next change`));
    }
  }

  /** The CA asks the zone's servers; a record they do not serve yet would fail the challenge for good. */
  async #visible(name: string, value: string): Promise<void> {
    const deadline = Date.now() + (this.options.propagationTimeoutMs ?? 60_000);
    for (let pause = 100; ; pause = Math.min(pause * 2, 2000)) {
      const records = await this.options.dns.lookup(name, 'TXT');
      if (records.some((record) => record.type === 'TXT' && record.value.join('') === value)) return;
      if (Date.now() > deadline) throw new Transient(`TXT ${name} did not appear at the primary in time`);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  #account(): Promise<acme.Client> {
    this.#client ??= (async () => {
      const client = new acme.Client({ directoryUrl: this.options.directoryUrl, accountKey: await this.#accountKey(), backoffMin: 500, backoffMax: 5000, backoffAttempts: 12 });
      // RFC 8555 §7.3.1: find the key's account first, so a restart does not "update" it with nothing.
      const existing = await client.createAccount({ onlyReturnExisting: true }).then(
        () => true,
        () => false,
      );
      if (!existing) await client.createAccount({ termsOfServiceAgreed: true, ...(this.options.email ? { contact: [`mailto:${this.options.email}`] } : {}) });
      return client;
    })().catch((error) => {
      this.#client = null;
      throw error;
    });
    return this.#client;
  }

  /** One account key per ACME directory, kept in the data folder. */
  #accountKey(): Promise<string> {
    const digest = createHash('sha256').update(this.options.directoryUrl).digest('hex').slice(0, 16);
    return keptFile(join(this.options.directory, `acme-account-${digest}.pem`), async () => privateKeyPem((await generateKeys()).privateKey));
  }
}

/** Unreachable or still pending: try later. Anything the CA said: Fatal, in its words. */
function classify(error: unknown, directoryUrl: string): PluginError {
  if (error instanceof PluginError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const unreachable = (error as { isAxiosError?: boolean }).isAxiosError === true && !(error as { response?: unknown }).response;
  if (unreachable || message === 'Operation is pending or processing') return new Transient(`ACME ${directoryUrl}: ${message}`, { cause: error });
  return new Fatal(`ACME ${directoryUrl}: ${message}`, { cause: error });
}
