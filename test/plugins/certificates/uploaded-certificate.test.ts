import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateIssuer } from '../../../plugins/certificates/create-certificate-issuer.js';
import type { InternalCa } from '../../../plugins/certificates/internal-ca/internal-ca.js';
import { checkUploadedCertificate, type UploadedCertificate } from '../../../plugins/certificates/upload/check-uploaded-certificate.js';
import { OpenSsl } from './openssl.js';

const openssl = new OpenSsl();
afterAll(() => rmSync(openssl.directory, { recursive: true, force: true }));

/** What a university's CA hands out: root → intermediate → leaf, made with openssl. */
const pki = { root: '', intermediate: '', leaf: '', leafKey: '', otherKey: '', expiredLeaf: '', expiredKey: '' };

beforeAll(async () => {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl.file('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl.file('leaf.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:shop.hosting.test,DNS:*.shop.hosting.test\n');
  await openssl.run('req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.pem', '-days', '30', '-subj', '/CN=University Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  await openssl.run('req', ...ec, '-keyout', 'intermediate.key', '-out', 'intermediate.csr', '-subj', '/CN=University Issuing CA');
  await openssl.run('x509', '-req', '-in', 'intermediate.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '20', '-extfile', 'ca.ext', '-out', 'intermediate.pem');
  await openssl.run('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=shop.hosting.test');
  await openssl.run('x509', '-req', '-in', 'leaf.csr', '-CA', 'intermediate.pem', '-CAkey', 'intermediate.key', '-CAcreateserial', '-days', '10', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
  // -days -1: a certificate whose validity ended before it began, i.e. expired.
  await openssl.run('x509', '-req', '-in', 'leaf.csr', '-CA', 'intermediate.pem', '-CAkey', 'intermediate.key', '-CAcreateserial', '-days', '-1', '-extfile', 'leaf.ext', '-out', 'expired.pem');
  await openssl.run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'other.key');
  const read = (name: string) => readFileSync(join(openssl.directory, name), 'utf8');
  Object.assign(pki, { root: read('root.pem'), intermediate: read('intermediate.pem'), leaf: read('leaf.pem'), leafKey: read('leaf.key'), otherKey: read('other.key'), expiredLeaf: read('expired.pem') });
  // The test material is what it claims to be.
  expect(await openssl.run('verify', '-CAfile', join(openssl.directory, 'root.pem'), '-untrusted', join(openssl.directory, 'intermediate.pem'), join(openssl.directory, 'leaf.pem'))).toContain(': OK');
  expect(await openssl.run('verify', '-CAfile', join(openssl.directory, 'root.pem'), '-untrusted', join(openssl.directory, 'intermediate.pem'), join(openssl.directory, 'expired.pem'))).toContain('certificate has expired');
});

const upload = (overrides: Partial<UploadedCertificate> = {}): UploadedCertificate => ({ certificate: pki.leaf, chain: pki.intermediate, privateKey: pki.leafKey, ...overrides });
const refusal = (attempt: () => unknown) => {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const { extensions, message } = error as GraphQLError;
    expect(extensions.code).toBe('BAD_USER_INPUT');
    return `${extensions.field}: ${message}`;
  }
  throw new Error('the upload was accepted');
};

describe('uploaded certificates', () => {
  it('accepts a certificate whose key, names, dates and chain are right, and says when to renew it', () => {
    const checked = checkUploadedCertificate(upload(), { names: ['shop.hosting.test', 'www.shop.hosting.test'], trustedCertificates: [pki.root] });
    expect(checked.names).toEqual(['shop.hosting.test', '*.shop.hosting.test']);
    expect(checked.issuer).toBe('CN=University Issuing CA');
    expect(checked.certificateChain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(checked.renewAfter < checked.notAfter).toBe(true);
    // The chain may also come appended to the certificate.
    expect(checkUploadedCertificate(upload({ certificate: pki.leaf + pki.intermediate, chain: undefined }), { names: ['shop.hosting.test'], trustedCertificates: [pki.root] }).names).toHaveLength(2);
  });

  it('refuses a key that is not the certificate’s', () => {
    expect(refusal(() => checkUploadedCertificate(upload({ privateKey: pki.otherKey }), { names: ['shop.hosting.test'], trustedCertificates: [pki.root] }))).toBe(
      'privateKey: the private key does not belong to the certificate: upload the key the certificate was issued for',
    );
    expect(refusal(() => checkUploadedCertificate(upload({ privateKey: 'hunter2' }), { names: ['shop.hosting.test'], trustedCertificates: [pki.root] }))).toMatch(/^privateKey: privateKey is not a PEM private key/);
  });

  it('refuses a chain that does not reach a trusted CA', () => {
    expect(refusal(() => checkUploadedCertificate(upload({ chain: '' }), { names: ['shop.hosting.test'], trustedCertificates: [pki.root] }))).toBe(
      'chain: the chain does not reach a trusted CA: nothing given or trusted signed CN=shop.hosting.test (issuer CN=University Issuing CA); add the intermediate certificates',
    );
    // The whole chain, but its root is trusted by nobody.
    expect(refusal(() => checkUploadedCertificate(upload({ chain: pki.intermediate + pki.root }), { names: ['shop.hosting.test'] }))).toMatch(/^chain: the chain does not reach a trusted CA: nothing given or trusted signed CN=University Root CA/);
    // A CA certificate where the server's should be.
    expect(refusal(() => checkUploadedCertificate(upload({ certificate: pki.intermediate, chain: '' }), { names: ['shop.hosting.test'], trustedCertificates: [pki.root] }))).toBe(
      "certificate: the certificate is a CA certificate (CN=University Issuing CA), not a server's",
    );
  });

  it('refuses names the certificate does not cover, and expired certificates', () => {
    expect(refusal(() => checkUploadedCertificate(upload(), { names: ['shop.hosting.test', 'a.b.shop.hosting.test', 'blog.hosting.test'], trustedCertificates: [pki.root] }))).toBe(
      'certificate: the certificate does not cover a.b.shop.hosting.test, blog.hosting.test (it is for shop.hosting.test, *.shop.hosting.test)',
    );
    expect(refusal(() => checkUploadedCertificate(upload({ certificate: pki.expiredLeaf }), { names: ['shop.hosting.test'], trustedCertificates: [pki.root] }))).toMatch(
      /^certificate: the certificate expired on \d{4}-\d\d-\d\dT/,
    );
    expect(refusal(() => checkUploadedCertificate(upload(), { names: ['shop.hosting.test'], trustedCertificates: [pki.root], now: new Date(Date.now() + 40 * 86_400_000) }))).toMatch(
      /^certificate: the certificate expired on/,
    );
    expect(refusal(() => checkUploadedCertificate(upload({ certificate: 'not a certificate' }), { names: ['shop.hosting.test'] }))).toBe(
      'certificate: certificate holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
    );
  });

  it('trusts the internal CA when told to', async () => {
    const ca = createCertificateIssuer({ kind: 'internalCA', domains: ['hosting.test'] }, { dataDir: join(openssl.directory, 'data') }) as InternalCa;
    const issued = await ca.issue(['intranet.hosting.test']);
    const fromCa = { certificate: issued.certificate, privateKey: issued.privateKey };
    expect(checkUploadedCertificate(fromCa, { names: ['intranet.hosting.test'], trustedCertificates: [await ca.caCertificate()] }).names).toEqual(['intranet.hosting.test']);
    expect(refusal(() => checkUploadedCertificate(fromCa, { names: ['intranet.hosting.test'] }))).toMatch(/^chain: the chain does not reach a trusted CA/);
  });
});
