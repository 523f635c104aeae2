import { X509Certificate } from 'node:crypto';

/** What a renewal job needs to know of a certificate. */
export interface CertificateExpiry {
  names: string[];
  notBefore: Date;
  notAfter: Date;
  /** From here on the certificate is due: when a third of its lifetime is left, as Let's Encrypt advises. */
  renewAfter: Date;
}

/** The DNS names of a certificate's subjectAltName, in order. */
export function dnsNames(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
}

export function certificateExpiry(pem: string): CertificateExpiry {
  const certificate = new X509Certificate(pem);
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  const lifetime = notAfter.getTime() - notBefore.getTime();
  return { names: dnsNames(certificate), notBefore, notAfter, renewAfter: new Date(notAfter.getTime() - lifetime / 3) };
}

export const isDueForRenewal = (expiry: CertificateExpiry, now = new Date()) => now >= expiry.renewAfter;
