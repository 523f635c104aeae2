import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCertificateIssuer } from '../../../plugins/certificates/create-certificate-issuer.js';
import { certificateExpiry, isDueForRenewal } from '../../../plugins/certificates/expiry/certificate-expiry.js';
import type { InternalCa } from '../../../plugins/certificates/internal-ca/internal-ca.js';
import { Fatal } from '../../../plugins/plugin-errors.js';
import { OpenSsl } from './openssl.js';

const openssl = new OpenSsl();
afterAll(() => rmSync(openssl.directory, { recursive: true, force: true }));

const internalCa = (dataDir: string) => createCertificateIssuer({ kind: 'internalCA', domains: ['hosting.test'] }, { dataDir }) as InternalCa;

describe('internal CA', () => {
  it('issues a server certificate that openssl verifies against the CA, with the names as SANs', async () => {
    const ca = internalCa(join(openssl.directory, 'data'));
    const issued = await ca.issue(['Blog.Hosting.Test', 'www.blog.hosting.test', '*.blog.hosting.test']);
    const caFile = openssl.file('ca.pem', await ca.caCertificate());
    const leafFile = openssl.file('leaf.pem', issued.certificate);
    const keyFile = openssl.file('leaf.key', issued.privateKey);

    expect(await openssl.run('verify', '-CAfile', caFile, '-purpose', 'sslserver', '-verify_hostname', 'www.blog.hosting.test', leafFile)).toBe(`${leafFile}: OK\n`);
    const text = await openssl.run('x509', '-in', leafFile, '-noout', '-text');
    expect(text).toContain('Subject: CN = blog.hosting.test');
    expect(text).toContain('DNS:blog.hosting.test, DNS:www.blog.hosting.test, DNS:*.blog.hosting.test');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(issued.names).toEqual(['blog.hosting.test', 'www.blog.hosting.test', '*.blog.hosting.test']);
    expect(issued.chain).toBe('');
    expect(Math.round((issued.notAfter.getTime() - issued.notBefore.getTime()) / 86_400_000)).toBe(90);

    // The key is the certificate's.
    expect(await openssl.run('pkey', '-in', keyFile, '-pubout')).toBe(await openssl.run('x509', '-in', leafFile, '-noout', '-pubkey'));

    const caText = await openssl.run('x509', '-in', caFile, '-noout', '-text');
    expect(caText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(caText).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(caText).toContain('Subject: CN = Hostgraph internal CA, O = Hostgraph');
  });

  it('creates its CA once and keeps it: later issuers, and issuers starting together, use the same one', async () => {
    const dataDir = join(openssl.directory, 'shared-data');
    const together = [internalCa(dataDir), internalCa(dataDir), internalCa(dataDir)];
    const first = await Promise.all(together.map((ca) => ca.caCertificate()));
    expect(new Set(first).size).toBe(1);
    expect(await internalCa(dataDir).caCertificate()).toBe(first[0]);
    const leaf = openssl.file('again.pem', (await internalCa(dataDir).issue(['shop.hosting.test'])).certificate);
    expect(await openssl.run('verify', '-CAfile', openssl.file('shared-ca.pem', first[0]), leaf)).toBe(`${leaf}: OK\n`);
  });

  it('refuses names outside its domains, and names that are not DNS names', async () => {
    const ca = internalCa(join(openssl.directory, 'data'));
    await expect(ca.issue(['blog.hosting.test', 'evil.example.com'])).rejects.toThrow(new Fatal('evil.example.com is outside the domains this issuer may issue for (hosting.test)'));
    // A suffix that is not a label boundary is not below the domain.
    await expect(ca.issue(['nothosting.test'])).rejects.toBeInstanceOf(Fatal);
    await expect(ca.issue(['bad name.hosting.test'])).rejects.toThrow(/is not a valid DNS name/);
    await expect(ca.issue([])).rejects.toThrow('a certificate needs at least one name');
    expect(() => createCertificateIssuer({ kind: 'internalCA', domains: [], validityDays: 90 }, { dataDir: openssl.directory })).toThrow(/needs domains/);
    expect(() => createCertificateIssuer({ kind: 'internalCA', domains: ['hosting.test'], validityDays: 4000 }, { dataDir: openssl.directory })).toThrow(/1 to 398/);
    expect(() => createCertificateIssuer({ kind: 'acme', directoryUrl: 'https://acme.test/dir', domains: ['hosting.test'] }, { dataDir: openssl.directory })).toThrow(/needs the dns plugin/);
  });

  it('tells a renewal job when a certificate is due: once a third of its lifetime is left', async () => {
    const issued = await internalCa(join(openssl.directory, 'data')).issue(['blog.hosting.test']);
    const expiry = certificateExpiry(issued.certificate);
    expect(expiry.names).toEqual(['blog.hosting.test']);
    expect(expiry.notAfter.toISOString()).toBe(new Date(Math.floor(issued.notAfter.getTime() / 1000) * 1000).toISOString());
    expect(Math.round((expiry.notAfter.getTime() - expiry.renewAfter.getTime()) / 86_400_000)).toBe(30);
    expect(isDueForRenewal(expiry, new Date(issued.notBefore.getTime() + 59 * 86_400_000))).toBe(false);
    expect(isDueForRenewal(expiry, new Date(issued.notBefore.getTime() + 61 * 86_400_000))).toBe(true);
  });
});
