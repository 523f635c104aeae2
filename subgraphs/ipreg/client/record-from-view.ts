import { type DnsRecord, normalizeRecord } from '../../../plugins/dns/dns-record.js';

/** A record as the ipreg subgraph writes it (`data` as in a zone file), back into the DNS plugin's form. */
export function recordFromView(view: { name: string; type: string; ttl: number; data: string }): DnsRecord {
  const base = { name: view.name, ttl: view.ttl };
  switch (view.type) {
    case 'A':
    case 'AAAA':
      return normalizeRecord({ ...base, type: view.type, value: view.data });
    case 'CNAME':
    case 'PTR':
      return normalizeRecord({ ...base, type: view.type, value: view.data.replace(/\.$/, '') });
    case 'SSHFP': {
      const [algorithm, fingerprintType, fingerprint] = view.data.split(' ');
      return normalizeRecord({ ...base, type: 'SSHFP', value: { algorithm: Number(algorithm), fingerprintType: Number(fingerprintType), fingerprint: fingerprint ?? '' } });
    }
    case 'TXT':
      return normalizeRecord({ ...base, type: 'TXT', value: [...view.data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!.replace(/\\(.)/g, '$1')) });
    default:
      throw new Error(`the IP registry sent a ${view.type} record, which Hostgraph does not publish`);
  }
}
