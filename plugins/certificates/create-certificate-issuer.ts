import { join } from 'node:path';
import type { DnsPublisher } from '../dns/dns-publisher.js';
import { Fatal } from '../plugin-errors.js';
import { AcmeIssuer } from './acme/acme-issuer.js';
import type { CertificateIssuer } from './certificate-issuer.js';
import { InternalCa } from './internal-ca/internal-ca.js';
import { IssuableNames } from './issuable-names.js';

export type CertificatesConfig =
  | {
      kind: 'internalCA';
      /** The DNS domains it may issue for (the hosting zone). */
      domains: string[];
      /** 90 when absent. */
      validityDays?: number;
      /** `Hostgraph internal CA` when absent. */
      caName?: string;
    }
  | {
      kind: 'acme';
      /** The ACME directory, e.g. https://acme-v02.api.letsencrypt.org/directory. */
      directoryUrl: string;
      email?: string;
      domains: string[];
      /** PEM certificates the ACME server's HTTPS chains to, when not a public CA. */
      caCertificates?: string[];
    };

export interface CertificatesDependencies {
  /** The data folder; the issuer keeps its keys in `certificates/` below it. */
  dataDir: string;
  /** For acme: where the DNS-01 challenges are published (the worker's dns plugin). */
  dnsPublisher?: DnsPublisher;
}

export function createCertificateIssuer(config: CertificatesConfig, dependencies: CertificatesDependencies): CertificateIssuer {
  const directory = join(dependencies.dataDir, 'certificates');
  switch (config.kind) {
    case 'internalCA': {
      const validityDays = config.validityDays ?? 90;
      if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 398) {
        throw new Fatal(`internalCA validityDays ${validityDays} is not a whole number of days from 1 to 398 (what browsers accept)`);
      }
      return new InternalCa({ directory, names: new IssuableNames(config.domains), validityDays, caName: config.caName ?? 'Hostgraph internal CA' });
    }
    case 'acme': {
      if (!/^https:\/\//.test(config.directoryUrl ?? '')) throw new Fatal(`acme directoryUrl ${config.directoryUrl} is not an https:// URL`);
      if (!dependencies.dnsPublisher) throw new Fatal('acme needs the dns plugin: DNS-01 challenges are published through it');
      return new AcmeIssuer({ ...config, names: new IssuableNames(config.domains), dns: dependencies.dnsPublisher, directory });
    }
    default:
      throw new Fatal(`unknown certificates kind ${(config as { kind: string }).kind} (internalCA, acme)`);
  }
}
