import { Fatal } from '../plugin-errors.js';
import type { DnsPublisher } from './dns-publisher.js';
import { Rfc2136Publisher } from './rfc2136/rfc2136-publisher.js';
import { TSIG_ALGORITHMS, type TsigAlgorithm } from './rfc2136/tsig.js';
import { ZoneFilePublisher } from './zonefile/zone-file-publisher.js';

export type DnsPublisherConfig =
  | {
      kind: 'zonefile';
      directory: string;
      /** Forward and reverse zones (`hosting.example.org`, `2.0.192.in-addr.arpa`). */
      zones: string[];
      /** The zones' name servers, for the SOA and NS records. */
      nameServers: string[];
      hostmaster?: string;
    }
  | {
      kind: 'rfc2136';
      /** The zones' primary server: a host name or address. */
      server: string;
      /** 53 when absent. */
      port?: number;
      keyName: string;
      /** Base64, as `tsig-keygen` prints it. */
      keySecret: string;
      /** `hmac-sha256` when absent. */
      algorithm?: TsigAlgorithm;
      zones: string[];
      /** 5000 when absent. */
      timeoutMs?: number;
    };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function createDnsPublisher(config: DnsPublisherConfig): DnsPublisher {
  switch (config.kind) {
    case 'zonefile':
      return new ZoneFilePublisher(config);
    case 'rfc2136': {
      const algorithm = config.algorithm ?? 'hmac-sha256';
      if (!TSIG_ALGORITHMS.includes(algorithm)) throw new Fatal(`TSIG algorithm ${algorithm} is not supported (${TSIG_ALGORITHMS.join(', ')})`);
      if (!config.keySecret || !BASE64.test(config.keySecret)) throw new Fatal(`the secret of TSIG key ${config.keyName} is not base64, as tsig-keygen prints it`);
      return new Rfc2136Publisher({
        host: config.server,
        port: config.port ?? 53,
        key: { name: config.keyName, algorithm, secret: Buffer.from(config.keySecret, 'base64') },
        zones: config.zones,
        timeoutMs: config.timeoutMs ?? 5000,
      });
    }
    default:
      throw new Fatal(`unknown DNS publisher kind ${(config as { kind: string }).kind} (zonefile, rfc2136)`);
  }
}
