import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateIssuer } from '../../plugins/certificates/create-certificate-issuer.js';
import type { CertificateIssuer } from '../../plugins/certificates/certificate-issuer.js';
import { type BindServer, startBind } from '../support/bind-server.js';
import { activeDomainNames, verifiedExternalName } from '../support/domain-names.js';
import { eventually } from '../support/eventually.js';
import { errorCodes, graphql } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { configurationClient, TASK } from './configuration-client.js';
import { GatedProvisioner } from './gated-provisioner.js';

const DAY_MS = 86_400_000;
const UPLOAD = `mutation ($id: ID!, $certificate: String!, $privateKey: String!, $chain: String) {
  uploadCertificate(vhostId: $id, certificate: $certificate, privateKey: $privateKey, chain: $chain) { ${TASK} }
}`;

/** TLS for vhosts through the gateway: the internal CA (embedded default), uploads, scheduled renewal. */
describe('vhost certificates', () => {
  let instance: Instance;
  /** Stands for the world's DNS: a domain outside the managed zones, which the internal CA does not issue for. */
  let bind: BindServer;
  /** What the scheduler takes for now: moved ahead to make certificates due. */
  let ahead = 0;
  let issuer: CertificateIssuer;
  const provisioner = new GatedProvisioner();
  const logLines: string[] = [];
  const { call, finished, site, tasksOf, runningSite } = configurationClient(() => instance);
  const tlsRoleOf = (serviceName: string, name: string) =>
    provisioner
      .runsFor(serviceName)
      .at(-1)
      ?.find((role) => role.role === 'tls-certificate' && role.parameters?.name === name);

  beforeAll(async () => {
    bind = await startBind({ zones: ['elsewhere.test'] });
    instance = await startInstance({
      overrides: { provisioner, clock: () => new Date(Date.now() + ahead) },
      // Debug: every line any process writes, to look for private keys in.
      log: { level: 'debug', destination: { write: (line) => void logLines.push(line) } },
      // No certificates setting: the internal CA issues for the managed zones (hosting.example.org).
      settings: { provisioning: { certificateRenewalSchedule: '* * * * * *' }, ipreg: { verificationResolvers: [`127.0.0.1:${bind.port}`] } },
    });
    // The same CA the worker uses (its key is kept in the data folder), standing in for a site's own CA.
    issuer = createCertificateIssuer(instance.config.certificates, { dataDir: instance.config.dataDir });
  });
  afterAll(async () => {
    await issuer?.close();
    await instance?.close();
    await bind?.stop();
  });

  it('issues the default vhost a certificate for the service name ipreg gave the site', async () => {
    const { siteId, serviceName, vhosts } = await runningSite('default-tls');
    expect(instance.config.certificates).toMatchObject({ kind: 'internalCA', domains: ['hosting.example.org'] });
    expect(vhosts[0]).toMatchObject({ name: 'default', serverName: serviceName });
    const requested = (await call(`mutation ($id: ID!) { requestCertificate(vhostId: $id) { ${TASK} } }`, { id: vhosts[0].id })).requestCertificate;
    expect((await finished(requested.id)).task).toMatchObject({ state: 'SUCCEEDED', error: null });
    expect((await site(siteId)).vhosts[0].certificate).toMatchObject({ source: 'ISSUED' });
    const leaf = new X509Certificate(String(tlsRoleOf(serviceName, 'default')?.parameters?.certificateChain));
    expect(leaf.subjectAltName).toBe(`DNS:${serviceName}`);
  });

  it('issues a certificate from the internal CA for every name of a vhost and installs it, then renews it when due', async () => {
    const { siteId, name, serviceName } = await runningSite('tls');
    await activeDomainNames(instance.url, siteId, [`${name}.hosting.example.org`, `www.${name}.hosting.example.org`]);
    const { addVhost } = await call('mutation ($siteId: ID!, $input: AddVhostInput!) { addVhost(siteId: $siteId, input: $input) { vhost { id name } task { id } } }', {
      siteId,
      input: { serverName: `${name}.hosting.example.org`, aliases: [`www.${name}.hosting.example.org`] },
    });
    await finished(addVhost.task.id);
    const requested = (await call(`mutation ($id: ID!) { requestCertificate(vhostId: $id) { ${TASK} } }`, { id: addVhost.vhost.id })).requestCertificate;
    const { task, events } = await finished(requested.id);
    expect(task).toMatchObject({ kind: 'requestCertificate', state: 'SUCCEEDED' });

    const vhost = (await site(siteId)).vhosts.find((candidate: { id: string }) => candidate.id === addVhost.vhost.id);
    expect(vhost.certificate.source).toBe('ISSUED');
    const lifetime = Date.parse(vhost.certificate.notAfter) - Date.now();
    expect(lifetime).toBeGreaterThan(89 * DAY_MS);
    expect(Date.parse(vhost.certificate.renewAfter)).toBeLessThan(Date.parse(vhost.certificate.notAfter));
    const installed = tlsRoleOf(serviceName, addVhost.vhost.name);
    expect(installed?.parameters?.certificateChain).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(installed?.parameters?.privateKey).toMatch(/PRIVATE KEY-----/);
    // The private key travelled to the VM only.
    expect(JSON.stringify(events)).not.toContain(String(installed?.parameters?.privateKey).split('\n')[1]);
    const vhostRole = provisioner.runsFor(serviceName).at(-1)!.find((role) => role.role === 'vhost' && role.parameters?.name === addVhost.vhost.name);
    expect(vhostRole?.parameters?.tls).toBe(true);

    // Seventy days on, it is due: the scheduler renews it by itself.
    ahead = 70 * DAY_MS;
    const renewal = await eventually(
      async () => {
        const renewals = (await tasksOf(siteId, 'requestCertificate')).filter((candidate: { requestedBy: string; state: string }) => candidate.requestedBy === 'service:hosting' && candidate.state === 'SUCCEEDED');
        expect(renewals.length).toBeGreaterThan(0);
        return renewals[0];
      },
      { timeoutMs: 20_000 },
    );
    ahead = 0;
    expect(renewal.state).toBe('SUCCEEDED');
    expect(tlsRoleOf(serviceName, addVhost.vhost.name)?.parameters?.certificateChain).not.toBe(installed?.parameters?.certificateChain);
  });

  it('installs an uploaded certificate once its key, names and chain check out', async () => {
    const { siteId, vhosts, serviceName } = await runningSite('upload');
    const vhost = vhosts[0];
    const own = await issuer.issue([serviceName]);
    const other = await issuer.issue([`other.${serviceName}`]);
    const upload = (variables: Record<string, unknown>, token: string = TOKENS.alice) => graphql(instance.url, UPLOAD, { id: vhost.id, ...variables }, token);

    const wrongKey = await upload({ certificate: own.certificate, privateKey: other.privateKey });
    expect(wrongKey.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'privateKey' } });
    const wrongNames = await upload({ certificate: other.certificate, privateKey: other.privateKey });
    expect(wrongNames.body.errors?.[0]).toMatchObject({ message: expect.stringContaining(`does not cover ${serviceName}`), extensions: { code: 'BAD_USER_INPUT' } });
    expect(errorCodes((await upload({ certificate: 'not a certificate', privateKey: own.privateKey })).body)).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes((await upload({ certificate: own.certificate, privateKey: own.privateKey }, TOKENS.bob)).body)).toEqual(['FORBIDDEN']);
    expect((await site(siteId)).vhosts[0].certificate).toBeNull();

    const uploaded = (await upload({ certificate: own.certificate, privateKey: own.privateKey, chain: own.chain })).body.data!.uploadCertificate;
    expect((await finished(uploaded.id)).task.state).toBe('SUCCEEDED');
    expect((await site(siteId)).vhosts[0].certificate).toMatchObject({ source: 'UPLOADED', renewAfter: null });
    expect(tlsRoleOf(serviceName, 'default')?.parameters).toMatchObject({ certificateChain: expect.stringContaining(own.certificate.trim()), privateKey: expect.stringContaining('PRIVATE KEY') });
    // The uploaded key went to the VM, and into no log line.
    const keyBody = own.privateKey.split('\n')[1]!;
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes(keyBody))).toEqual([]);
  });

  it('refuses a certificate request for names the issuer may not issue for, before any task', async () => {
    const { siteId, name } = await runningSite('foreign');
    // The site's own name, verified in DNS, but outside what the internal CA issues for.
    await verifiedExternalName(instance.url, siteId, `${name}.elsewhere.test`, bind);
    const { addVhost } = await call('mutation ($siteId: ID!, $input: AddVhostInput!) { addVhost(siteId: $siteId, input: $input) { vhost { id } task { id } } }', {
      siteId,
      input: { serverName: `${name}.elsewhere.test` },
    });
    await finished(addVhost.task.id);
    const refused = await graphql(instance.url, 'mutation ($id: ID!) { requestCertificate(vhostId: $id) { id } }', { id: addVhost.vhost.id }, TOKENS.alice);
    expect(refused.body.errors?.[0]).toMatchObject({ message: expect.stringContaining('outside the domains this issuer may issue for'), extensions: { code: 'BAD_USER_INPUT' } });
    expect(errorCodes((await graphql(instance.url, 'mutation ($id: ID!) { requestCertificate(vhostId: $id) { id } }', { id: addVhost.vhost.id }, TOKENS.bob)).body)).toEqual(['FORBIDDEN']);
    expect(await tasksOf(siteId, 'requestCertificate')).toEqual([]);
  });
});
