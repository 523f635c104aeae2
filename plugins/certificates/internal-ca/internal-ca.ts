import { join } from 'node:path';
import type { CertificateIssuer, IssuedCertificate, IssueOptions } from '../certificate-issuer.js';
import type { IssuableNames } from '../issuable-names.js';
import { keptFile } from '../kept-file.js';
import { generateKeys, importPrivateKey, privateKeyPem, randomSerial, SIGNING_ALGORITHM, x509 } from '../x509/web-crypto.js';

export interface InternalCaOptions {
  /** Holds `internal-ca.pem`: the CA's certificate and key, made on first use and kept. */
  directory: string;
  names: IssuableNames;
  validityDays: number;
  /** The CA's subject. */
  caName: string;
}

const DAY_MS = 86_400_000;
const CA_VALIDITY_DAYS = 3650;
/** Leaves start a little in the past, so a client whose clock is behind still accepts them. */
const BACKDATE_MS = 5 * 60_000;

interface Authority {
  certificate: x509.X509Certificate;
  key: CryptoKey;
  pem: string;
}

/**
 * Hostgraph's own CA: an ECDSA key and a 10-year self-signed CA certificate created once in the
 * data folder (path length 0: it signs leaves only), issuing short-lived server certificates with
 * the names as DNS SANs. Browsers do not trust it unless told to; it is for intranet sites and the
 * embedded default.
 */
export class InternalCa implements CertificateIssuer {
  readonly kind = 'internalCA';
  #authority: Promise<Authority> | null = null;

  constructor(private readonly options: InternalCaOptions) {}

  /** The CA certificate, PEM: what clients (and the upload check) trust. */
  async caCertificate(): Promise<string> {
    return (await this.#loadAuthority()).pem;
  }

  async issue(names: string[], { onProgress }: IssueOptions = {}): Promise<IssuedCertificate> {
    const checked = this.options.names.check(names);
    const authority = await this.#loadAuthority();
    const keys = await generateKeys();
    const notBefore = new Date(Date.now() - BACKDATE_MS);
    const notAfter = new Date(notBefore.getTime() + this.options.validityDays * DAY_MS);
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: [{ CN: [checked[0]] }],
      issuer: authority.certificate.subject,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: authority.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(checked.map((name) => ({ type: 'dns' as const, value: name }))),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(authority.certificate),
      ],
    });
    onProgress?.(`internal CA issued a certificate for ${checked.join(', ')}, valid until ${notAfter.toISOString()}`);
    return {
      names: checked,
      certificate: certificate.toString('pem') + '\n',
      // The leaf hangs off the root directly: there is no intermediate to send.
      chain: '',
      privateKey: await privateKeyPem(keys.privateKey),
      notBefore,
      notAfter,
    };
  }

  async close(): Promise<void> {}

  #loadAuthority(): Promise<Authority> {
    this.#authority ??= this.#readOrCreate().catch((error) => {
      this.#authority = null;
      throw error;
    });
    return this.#authority;
  }

  async #readOrCreate(): Promise<Authority> {
    return parseAuthority(await keptFile(join(this.options.directory, 'internal-ca.pem'), () => this.#createAuthorityPem()));
  }

  async #createAuthorityPem(): Promise<string> {
    const keys = await generateKeys();
    const notBefore = new Date(Date.now() - BACKDATE_MS);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: [{ CN: [this.options.caName] }, { O: ['Hostgraph'] }],
      notBefore,
      notAfter: new Date(notBefore.getTime() + CA_VALIDITY_DAYS * DAY_MS),
      signingAlgorithm: SIGNING_ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return `${certificate.toString('pem')}\n${await privateKeyPem(keys.privateKey)}`;
  }
}

async function parseAuthority(text: string): Promise<Authority> {
  const certificatePem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(text)?.[0];
  if (!certificatePem || !keyPem) throw new Error('internal-ca.pem holds no certificate and private key');
  return { certificate: new x509.X509Certificate(certificatePem), key: await importPrivateKey(keyPem), pem: `${certificatePem}\n` };
}
