import { X509Certificate } from 'node:crypto';

/** The names a TLS client would refuse this certificate for: not matched by a DNS SAN (wildcards as clients match them). */
export function namesNotCovered(certificate: X509Certificate | string, names: readonly string[]): string[] {
  const leaf = typeof certificate === 'string' ? new X509Certificate(certificate) : certificate;
  return names.filter((name) => leaf.checkHost(name.toLowerCase(), { subject: 'never' }) === undefined);
}
