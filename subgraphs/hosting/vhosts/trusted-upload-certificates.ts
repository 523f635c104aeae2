import type { Config } from '../../../core/config.js';
import { createCertificateIssuer } from '../../../plugins/certificates/create-certificate-issuer.js';
import { InternalCa } from '../../../plugins/certificates/internal-ca/internal-ca.js';

/**
 * What an uploaded certificate may chain to besides the public CAs: the internal CA, when it is
 * the configured issuer (its certificate is kept in the data folder the worker shares).
 */
export function trustedUploadCertificates(config: Config): () => Promise<string[]> {
  let trusted: Promise<string[]> | null = null;
  return () => {
    if (config.certificates.kind !== 'internalCA') return Promise.resolve([]);
    trusted ??= (async () => {
      const issuer = createCertificateIssuer(config.certificates, { dataDir: config.dataDir });
      return issuer instanceof InternalCa ? [await issuer.caCertificate()] : [];
    })();
    return trusted;
  };
}
