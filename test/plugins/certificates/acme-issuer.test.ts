import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateIssuer } from '../../../plugins/certificates/certificate-issuer.js';
import { createCertificateIssuer } from '../../../plugins/certificates/create-certificate-issuer.js';
import { checkUploadedCertificate } from '../../../plugins/certificates/upload/check-uploaded-certificate.js';
import { createDnsPublisher } from '../../../plugins/dns/create-dns-publisher.js';
import type { DnsPublisher } from '../../../plugins/dns/dns-publisher.js';
import type { RecordChange } from '../../../plugins/dns/record-change.js';
import { Fatal } from '../../../plugins/plugin-errors.js';
import { type BindServer, startBind } from '../../support/bind-server.js';
import { type PebbleServer, startPebble } from '../../support/pebble-server.js';
import { OpenSsl } from './openssl.js';

const ZONE = 'hosting.test';
const openssl = new OpenSsl();
let bind: BindServer;
let pebble: PebbleServer;
let dns: DnsPublisher;
let acme: CertificateIssuer;

/** Every change the issuer sent to the DNS, as it went to BIND. */
const published: RecordChange[] = [];

beforeAll(async () => {
  bind = await startBind({ zones: [ZONE] });
  pebble = await startPebble({ dnsServer: bind });
  const rfc2136 = createDnsPublisher({ kind: 'rfc2136', server: bind.host, port: bind.port, keyName: bind.keys.sha256.name, keySecret: bind.keys.sha256.secret, zones: [ZONE] });
  dns = {
    kind: rfc2136.kind,
    apply: async (changes) => {
      published.push(...changes);
      await rfc2136.apply(changes);
    },
    lookup: (name, type) => rfc2136.lookup(name, type),
    close: () => rfc2136.close(),
  };
  acme = createCertificateIssuer(
    { kind: 'acme', directoryUrl: pebble.directoryUrl, email: 'hostmaster@hosting.test', domains: [ZONE], caCertificates: [pebble.httpsCa] },
    { dataDir: join(openssl.directory, 'data'), dnsPublisher: dns },
  );
});
afterAll(async () => {
  await acme?.close();
  await dns?.close();
  await pebble?.stop();
  await bind?.stop();
  rmSync(openssl.directory, { recursive: true, force: true });
});

describe('ACME against pebble, DNS-01 answered through RFC 2136 and BIND', () => {
  it('proves every name with a TXT record pebble resolves, downloads a chain that openssl verifies, and removes the records', async () => {
    const progress: string[] = [];
    const issued = await acme.issue(['blog.hosting.test', 'www.blog.hosting.test'], { onProgress: (message) => progress.push(message) });

    const root = openssl.file('pebble-root.pem', await pebble.issuingRoot());
    const leaf = openssl.file('leaf.pem', issued.certificate);
    const chain = openssl.file('chain.pem', issued.chain);
    expect(await openssl.run('verify', '-CAfile', root, '-untrusted', chain, '-purpose', 'sslserver', '-verify_hostname', 'www.blog.hosting.test', leaf)).toBe(`${leaf}: OK\n`);
    expect(await openssl.run('x509', '-in', leaf, '-noout', '-ext', 'subjectAltName')).toMatch(/DNS:blog\.hosting\.test, DNS:www\.blog\.hosting\.test|DNS:www\.blog\.hosting\.test, DNS:blog\.hosting\.test/);
    expect(await openssl.run('pkey', '-in', openssl.file('leaf.key', issued.privateKey), '-pubout')).toBe(await openssl.run('x509', '-in', leaf, '-noout', '-pubkey'));
    // The same check an upload gets accepts it.
    expect(checkUploadedCertificate({ certificate: issued.certificate, chain: issued.chain, privateKey: issued.privateKey }, { names: issued.names, trustedCertificates: [await pebble.issuingRoot()] }).names).toHaveLength(2);

    const challengeNames = published.map((change) => change.action === 'add' || change.action === 'delete' ? `${change.action} ${change.record.name}` : change.action);
    expect(challengeNames.sort()).toEqual(['add _acme-challenge.blog.hosting.test', 'add _acme-challenge.www.blog.hosting.test', 'delete _acme-challenge.blog.hosting.test', 'delete _acme-challenge.www.blog.hosting.test']);
    expect(await dns.lookup('_acme-challenge.blog.hosting.test', 'TXT')).toEqual([]);
    expect(progress.some((message) => message.startsWith('published TXT _acme-challenge.blog.hosting.test'))).toBe(true);
  });

  it('refuses names outside its domains before asking the CA', async () => {
    const before = published.length;
    await expect(acme.issue(['blog.hosting.test', 'www.example.org'])).rejects.toThrow(new Fatal('www.example.org is outside the domains this issuer may issue for (hosting.test)'));
    expect(published.length).toBe(before);
  });

  it('uses the account it registered before, and fails cleanly when a challenge cannot be published', async () => {
    // A second issuer (a restarted worker) finds the account key in the data folder.
    const strict = createCertificateIssuer(
      { kind: 'acme', directoryUrl: pebble.directoryUrl, domains: ['test'], caCertificates: [pebble.httpsCa] },
      { dataDir: join(openssl.directory, 'data'), dnsPublisher: dns },
    );
    // Allowed by this issuer's domains, ordered from pebble, but outside every zone the dns plugin manages.
    const error = await strict.issue(['elsewhere.test']).catch((caught: unknown) => caught);
    await strict.close();
    expect(error).toBeInstanceOf(Fatal);
    expect((error as Error).message).toBe('_acme-challenge.elsewhere.test is in none of the managed zones (hosting.test)');
  });

  it('is refused by pebble, in its words, when the record is not really in the zone', async () => {
    // A publisher that says it published, and claims to see the record, but never told BIND.
    const pretending: DnsPublisher = { kind: 'pretending', apply: async () => {}, lookup: async (name) => [{ name, type: 'TXT', ttl: 60, value: [lastValue] }], close: async () => {} };
    let lastValue = '';
    const original = pretending.apply;
    pretending.apply = async (changes) => {
      for (const change of changes) if (change.action === 'add' && change.record.type === 'TXT') lastValue = change.record.value[0];
      await original(changes);
    };
    const fooled = createCertificateIssuer(
      { kind: 'acme', directoryUrl: pebble.directoryUrl, domains: [ZONE], caCertificates: [pebble.httpsCa] },
      { dataDir: join(openssl.directory, 'data'), dnsPublisher: pretending },
    );
    const error = await fooled.issue(['ghost.hosting.test']).catch((caught: unknown) => caught);
    await fooled.close();
    expect(error).toBeInstanceOf(Fatal);
    expect((error as Error).message).toMatch(/^ACME https:\/\/127\.0\.0\.1:\d+\/dir: .*_acme-challenge\.ghost\.hosting\.test/);
  });
});
