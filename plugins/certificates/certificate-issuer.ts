/**
 * Issues TLS certificates for a vhost's names: from Hostgraph's own CA (`internalCA`, the embedded
 * default) or from an ACME CA such as Let's Encrypt or the university's (`acme`, DNS-01 through
 * the dns plugin). Only the worker calls it, from task steps.
 *
 * Errors (plugins/plugin-errors.ts): `Fatal` for names the issuer may not issue for and for a CA
 * that refuses (its own words kept); `Transient` when the CA or the DNS is unreachable.
 */
export interface CertificateIssuer {
  readonly kind: string;
  /** A new key and a certificate for `names` (the first is the subject's CN), with the chain to the CA. */
  issue(names: string[], options?: IssueOptions): Promise<IssuedCertificate>;
  close(): Promise<void>;
}

export interface IssueOptions {
  /** Hears what the issuer is doing (ordering, publishing the challenge, waiting for the CA), for the task's events. */
  onProgress?: (message: string) => void;
}

export interface IssuedCertificate {
  names: string[];
  /** The leaf, PEM. */
  certificate: string;
  /** The intermediates after the leaf, PEM, issuer last; empty when the leaf is signed by the root itself. */
  chain: string;
  /** PKCS #8, PEM, unencrypted: seal it before storing. */
  privateKey: string;
  notBefore: Date;
  notAfter: Date;
}
