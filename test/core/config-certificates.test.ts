import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config.js';

const dir = mkdtempSync(join(tmpdir(), 'hostgraph-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The configuration a hostgraph.yaml with these settings loads to. */
function configWith(settings: Record<string, unknown>) {
  const file = join(dir, `hostgraph-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(settings));
  return loadConfig({ HOSTGRAPH_CONFIG: file, HOSTGRAPH_DATA_DIR: join(dir, 'data') });
}

const RFC2136 = { kind: 'rfc2136', server: '127.0.0.1', keyName: 'k', keySecret: 'c2VjcmV0', zones: ['physics.example.edu', '2.0.192.in-addr.arpa', '8.B.D.0.1.0.0.2.IP6.ARPA.'] };

/** Sites' service names are made in the managed zones: certificates are issued there unless told otherwise. */
describe('the certificate issuer’s default domains', () => {
  it('are the embedded default’s forward zone, without the reverse zones', () => {
    expect(configWith({}).certificates).toEqual({ kind: 'internalCA', domains: ['hosting.example.org'] });
  });

  it('follow the dns zones, for the internal CA and for ACME alike, when no domains are given', () => {
    expect(configWith({ dns: RFC2136 }).certificates).toEqual({ kind: 'internalCA', domains: ['physics.example.edu'] });
    expect(configWith({ dns: RFC2136, certificates: { kind: 'internalCA', validityDays: 30 } }).certificates).toEqual({ kind: 'internalCA', validityDays: 30, domains: ['physics.example.edu'] });
    expect(configWith({ dns: RFC2136, certificates: { kind: 'acme', directoryUrl: 'https://acme.example.edu/directory' } }).certificates).toMatchObject({ kind: 'acme', domains: ['physics.example.edu'] });
  });

  it('are the configured ones when given', () => {
    expect(configWith({ dns: RFC2136, certificates: { kind: 'internalCA', domains: ['example.org'] } }).certificates).toEqual({ kind: 'internalCA', domains: ['example.org'] });
  });
});
