import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BindServer, startBind } from '../support/bind-server.js';
import { startInstance, type Instance } from '../support/hostgraph-instance.js';
import { type PebbleServer, startPebble } from '../support/pebble-server.js';
import { configurationClient, TASK } from './configuration-client.js';
import { GatedProvisioner } from './gated-provisioner.js';

const ZONE = 'hosting.test';
/** ipreg names sites in the zone pebble proves names through: the BIND zone. */
const SEED_POOLS = [
  { name: 'service-v4', prefix: '192.0.2.0/24', purpose: 'SERVICE', zone: ZONE },
  { name: 'service-v6', prefix: '2001:db8:0:1::/64', purpose: 'SERVICE', zone: ZONE },
  { name: 'host-v4', prefix: '198.51.100.0/24', purpose: 'HOST', zone: ZONE },
  { name: 'host-v6', prefix: '2001:db8:0:2::/64', purpose: 'HOST', zone: ZONE },
];

/** requestCertificate with the acme issuer configured: a real pebble, DNS-01 answered through RFC 2136 and a real BIND. */
describe('vhost certificates from ACME', { timeout: 180_000 }, () => {
  let bind: BindServer;
  let pebble: PebbleServer;
  let instance: Instance;
  const provisioner = new GatedProvisioner();
  const { call, finished, site, runningSite } = configurationClient(() => instance);

  beforeAll(async () => {
    bind = await startBind({ zones: [ZONE] });
    pebble = await startPebble({ dnsServer: bind });
    const dns = { kind: 'rfc2136', server: bind.host, port: bind.port, keyName: bind.keys.sha256.name, keySecret: bind.keys.sha256.secret, zones: [ZONE] };
    instance = await startInstance({
      overrides: { provisioner },
      settings: {
        ipreg: { seedPools: SEED_POOLS, preallocate: { count: 0 } },
        dns,
        certificates: {
          kind: 'acme',
          directoryUrl: pebble.directoryUrl,
          email: 'hostmaster@hosting.test',
          domains: [ZONE],
          caCertificates: [pebble.httpsCa],
          dns,
        },
      },
    });
  });
  afterAll(async () => {
    await instance?.close();
    await pebble?.stop();
    await bind?.stop();
  });

  it('proves the vhost’s names through DNS, installs the chain pebble issued, and says so in the task', async () => {
    const { siteId, serviceName, vhosts } = await runningSite('acme');
    expect(serviceName).toMatch(/^s-[0-9a-f]+\.hosting\.test$/);
    const requested = (await call(`mutation ($id: ID!) { requestCertificate(vhostId: $id) { ${TASK} } }`, { id: vhosts[0].id })).requestCertificate;
    const { task, events } = await finished(requested.id);
    expect(task).toMatchObject({ state: 'SUCCEEDED', error: null });
    expect(events.filter((event) => event.step === 'issue-certificate' && event.type === 'STEP_LOG').length).toBeGreaterThan(1);
    expect((await site(siteId)).vhosts[0].certificate).toMatchObject({ source: 'ISSUED' });

    const installed = provisioner.runsFor(serviceName).at(-1)!.find((role) => role.role === 'tls-certificate');
    const leaf = new X509Certificate(String(installed?.parameters?.certificateChain));
    expect(leaf.subjectAltName).toBe(`DNS:${serviceName}`);
    expect(leaf.issuer).toContain('Pebble');
    // The challenge records are gone again.
    expect((await bind.dig('+short', `_acme-challenge.${serviceName}`, 'TXT')).trim()).toBe('');
  });
});
