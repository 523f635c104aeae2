import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { badInput } from '../../../core/errors.js';
import { namesNotCovered } from '../certificate-coverage.js';
import { certificateExpiry, dnsNames, type CertificateExpiry } from '../expiry/certificate-expiry.js';

export interface UploadedCertificate {
  /** The leaf first; intermediates may follow it here or come in `chain`. */
  certificate: string;
  chain?: string;
  privateKey: string;
}

export interface UploadCheckOptions {
  /** Every name of the vhost: each must be covered by a DNS SAN (wildcards as TLS clients match them). */
  names: string[];
  /** CA certificates (PEM) trusted besides the public ones Node ships (Mozilla's): the internal CA's, the university's. */
  trustedCertificates?: string[];
  now?: Date;
}

export interface CheckedCertificate extends CertificateExpiry {
  issuer: string;
  fingerprint256: string;
  /** Leaf then intermediates, PEM, as the vhost should serve them (without the root). */
  certificateChain: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const MAX_CHAIN = 8;

/**
 * Checks a certificate a site uploads before anything is stored or installed: the key belongs to
 * it, it is valid now, its names cover the vhost, and it chains up to a trusted CA through the
 * given intermediates. Each refusal is BAD_USER_INPUT naming the field and what to fix.
 */
export function checkUploadedCertificate(upload: UploadedCertificate, options: UploadCheckOptions): CheckedCertificate {
  const now = options.now ?? new Date();
  const pems = (text: string | undefined) => [...(text ?? '').matchAll(PEM_CERTIFICATE)].map((match) => match[0]);
  const [leafPem, ...appended] = pems(upload.certificate);
  if (!leafPem) throw badInput('certificate holds no PEM certificate (-----BEGIN CERTIFICATE-----)', 'certificate');
  const leaf = parseCertificate(leafPem, 'certificate');
  const intermediates = [...appended, ...pems(upload.chain)].map((pem) => parseCertificate(pem, 'chain'));

  if (leaf.ca) throw badInput(`the certificate is a CA certificate (${leaf.subject.replaceAll('\n', ', ')}), not a server's`, 'certificate');
  const key = parsePrivateKey(upload.privateKey);
  if (!leaf.checkPrivateKey(key)) throw badInput('the private key does not belong to the certificate: upload the key the certificate was issued for', 'privateKey');

  const validFrom = new Date(leaf.validFrom);
  const validTo = new Date(leaf.validTo);
  if (validTo <= now) throw badInput(`the certificate expired on ${validTo.toISOString()}`, 'certificate');
  if (validFrom > now) throw badInput(`the certificate is not valid before ${validFrom.toISOString()}`, 'certificate');

  const uncovered = namesNotCovered(leaf, options.names);
  if (uncovered.length > 0) {
    throw badInput(`the certificate does not cover ${uncovered.join(', ')} (it is for ${dnsNames(leaf).join(', ') || 'no DNS name'})`, 'certificate');
  }

  const trusted = [...rootCertificates, ...(options.trustedCertificates ?? [])].map((pem) => new X509Certificate(pem));
  verifyChain(leaf, intermediates, trusted, now);
  return {
    ...certificateExpiry(leaf.toString()),
    issuer: leaf.issuer.replaceAll('\n', ', '),
    fingerprint256: leaf.fingerprint256,
    certificateChain: [leaf, ...intermediates].map((certificate) => certificate.toString()).join(''),
  };
}

function parseCertificate(pem: string, field: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw badInput(`${field} holds a certificate that cannot be read (${(error as Error).message})`, field);
  }
}

function parsePrivateKey(pem: string): KeyObject {
  if (/ENCRYPTED/.test(pem)) throw badInput('the private key is encrypted: upload it without a passphrase', 'privateKey');
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw badInput(`privateKey is not a PEM private key (${(error as Error).message})`, 'privateKey');
  }
}

const signedBy = (certificate: X509Certificate, issuer: X509Certificate) => certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);

/** Walks from the leaf through the intermediates, each signed by the next, until a trusted CA signed one. */
function verifyChain(leaf: X509Certificate, intermediates: X509Certificate[], trusted: X509Certificate[], now: Date): void {
  let current = leaf;
  for (let depth = 0; depth <= MAX_CHAIN; depth++) {
    if (trusted.some((anchor) => signedBy(current, anchor))) return;
    const issuer = intermediates.find((candidate) => candidate !== current && signedBy(current, candidate));
    const subject = current.subject.replaceAll('\n', ', ');
    if (!issuer) {
      throw badInput(`the chain does not reach a trusted CA: nothing given or trusted signed ${subject} (issuer ${current.issuer.replaceAll('\n', ', ')}); add the intermediate certificates`, 'chain');
    }
    if (!issuer.ca) throw badInput(`${issuer.subject.replaceAll('\n', ', ')} in the chain is not a CA certificate`, 'chain');
    if (new Date(issuer.validTo) <= now) throw badInput(`the intermediate ${issuer.subject.replaceAll('\n', ', ')} expired on ${new Date(issuer.validTo).toISOString()}`, 'chain');
    current = issuer;
  }
  throw badInput(`the chain is longer than ${MAX_CHAIN} certificates`, 'chain');
}
