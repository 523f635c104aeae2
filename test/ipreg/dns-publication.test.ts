import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSite, deleteSite, finishTask } from '../inventory/inventory-fixture.js';
import { type BindServer, startBind, type TsigKeyFile } from '../support/bind-server.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { ensureInstalled, STATE } from '../support/servers.js';

const run = promisify(execFile);
const ZONE = 'hosting.test';
const REVERSE = ['2.0.192.in-addr.arpa', '100.51.198.in-addr.arpa', '113.0.203.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa'];
const SEED_POOLS = [
  { name: 'service-v4', prefix: '192.0.2.0/24', purpose: 'SERVICE', zone: ZONE, gateway: '192.0.2.1' },
  { name: 'service-v6', prefix: '2001:db8:0:1::/64', purpose: 'SERVICE', zone: ZONE },
  { name: 'host-v4', prefix: '198.51.100.0/24', purpose: 'HOST', zone: ZONE },
  { name: 'host-v6', prefix: '2001:db8:0:2::/64', purpose: 'HOST', zone: ZONE },
  { name: 'test-v4', prefix: '203.0.113.0/24', purpose: 'TEST', zone: ZONE },
  { name: 'test-v6', prefix: '2001:db8:0:3::/64', purpose: 'TEST', zone: ZONE },
];
const SITE = `query ($id: ID!) { site(id: $id) { serviceName serviceAddresses vm { hostName addresses hostKeys { publicKey } } } }`;

let bind: BindServer;
beforeAll(async () => {
  ensureInstalled('/usr/bin/ssh-keygen', 'openssh-client');
  bind = await startBind({ zones: [ZONE, ...REVERSE] });
});
afterAll(() => bind?.stop());

/** A Hostgraph whose DNS goes to the test BIND (or wherever `port` says) with this TSIG key. */
const instanceWith = (key: TsigKeyFile, port = bind.port) =>
  startInstance({
    settings: {
      ipreg: { seedPools: SEED_POOLS, preallocate: { count: 0 } },
      dns: { kind: 'rfc2136', server: '127.0.0.1', port, keyName: key.name, keySecret: key.secret, algorithm: key.algorithm, zones: [ZONE, ...REVERSE], timeoutMs: 1000 },
    },
  });

/** What dig finds at the primary for NAME TYPE: the records' data, and whether an RRSIG covers them. */
async function published(name: string, type: string) {
  const lines = (await bind.dig('+dnssec', '+nosplit', '+noall', '+answer', name, type))
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
  return {
    data: lines.filter((fields) => fields[3] === type).map((fields) => fields.slice(4).join(' ').toLowerCase()).sort(),
    signed: lines.some((fields) => fields[3] === 'RRSIG' && fields[4] === type),
  };
}

/** Inline signing lags the update by a moment; the deadline is generous for a shared machine. */
const signedSoon = (assertion: () => Promise<void>) => eventually(assertion, { timeoutMs: 30_000, intervalMs: 100 });

describe('publishing a site to BIND 9 with an inline-signed zone', () => {
  let instance: Instance;
  beforeAll(async () => {
    instance = await instanceWith(bind.keys.sha256);
  });
  afterAll(() => instance?.close());

  it('serves the A, AAAA, SSHFP and PTR records of a new site, signed, and withdraws them when it is deleted', async () => {
    const site = await createSite(instance.url, 'signed');
    expect(await site.finished()).toMatchObject({ state: 'SUCCEEDED', error: null });
    const { site: seen } = await query(instance.url, SITE, { id: site.siteId }, TOKENS.alice);
    const [serviceV4, serviceV6] = seen.serviceAddresses;
    const [hostV4, hostV6] = seen.vm.addresses;

    // What ssh-keygen says the SSHFP records of these public keys are (SHA-256 only).
    const directory = mkdtempSync(join(STATE, 'sshfp-'));
    const expected: string[] = [];
    try {
      for (const [index, key] of seen.vm.hostKeys.entries()) {
        const file = join(directory, `key${index}.pub`);
        writeFileSync(file, `${key.publicKey}\n`);
        const { stdout } = await run('ssh-keygen', ['-r', seen.vm.hostName, '-f', file]);
        expected.push(...stdout.split('\n').filter((line) => / SSHFP \d 2 /.test(line)).map((line) => line.split(' SSHFP ')[1]!.toLowerCase()));
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    expect(expected).toHaveLength(3);

    await signedSoon(async () => {
      expect(await published(seen.serviceName, 'A')).toEqual({ data: [serviceV4], signed: true });
      expect(await published(seen.serviceName, 'AAAA')).toEqual({ data: [serviceV6], signed: true });
      expect(await published(seen.vm.hostName, 'A')).toEqual({ data: [hostV4], signed: true });
      expect(await published(seen.vm.hostName, 'AAAA')).toEqual({ data: [hostV6], signed: true });
      expect(await published(seen.vm.hostName, 'SSHFP')).toEqual({ data: expected.sort(), signed: true });
    });
    const ptr = (await run('dig', ['+short', '-x', hostV4, '@127.0.0.1', '-p', String(bind.port)])).stdout.trim();
    expect(ptr).toBe(`${seen.vm.hostName}.`);

    expect(await deleteSite(instance.url, site.siteId)).toMatchObject({ state: 'SUCCEEDED' });
    await signedSoon(async () => {
      for (const [name, type] of [[seen.serviceName, 'A'], [seen.serviceName, 'AAAA'], [seen.vm.hostName, 'A'], [seen.vm.hostName, 'AAAA'], [seen.vm.hostName, 'SSHFP']] as const) {
        expect((await published(name, type)).data, `${name} ${type}`).toEqual([]);
      }
    });
    expect((await run('dig', ['+short', '-x', hostV4, '@127.0.0.1', '-p', String(bind.port)])).stdout.trim()).toBe('');
  });
});

describe("a test copy's names in BIND", () => {
  let instance: Instance;
  beforeAll(async () => {
    instance = await instanceWith(bind.keys.sha256);
  });
  afterAll(() => instance?.close());

  const NAMES = 'query ($id: ID!) { site(id: $id) { serviceName serviceAddresses names { fqdn purpose vm { id } addresses { address } } vms { id role } } }';
  const operate = async (mutation: string, siteId: string) => {
    const started = (await query(instance.url, `mutation ($id: ID!) { ${mutation}(siteId: $id) { id } }`, { id: siteId }, TOKENS.alice))[mutation];
    return finishTask(instance.url, started.id);
  };
  const addressesOf = (name: { addresses: { address: string }[] }, family: 4 | 6) => name.addresses.map((row) => row.address).filter((address) => address.includes(':') === (family === 6));

  it('serves the TEST name once cloneToTest is done, keeps the production name on the promoted VM, and withdraws the test name with removeTest', async () => {
    const site = await createSite(instance.url, 'bindcopy');
    expect((await site.finished()).state).toBe('SUCCEEDED');
    expect(await operate('cloneToTest', site.siteId)).toMatchObject({ state: 'SUCCEEDED' });
    const cloned = (await query(instance.url, NAMES, { id: site.siteId }, TOKENS.alice)).site;
    const testName = cloned.names.find((name: { purpose: string }) => name.purpose === 'TEST');
    await signedSoon(async () => {
      expect(await published(testName.fqdn, 'A')).toEqual({ data: addressesOf(testName, 4), signed: true });
      expect(await published(testName.fqdn, 'AAAA')).toEqual({ data: addressesOf(testName, 6), signed: true });
    });
    expect((await run('dig', ['+short', '-x', addressesOf(testName, 4)[0]!, '@127.0.0.1', '-p', String(bind.port)])).stdout.trim()).toBe(`${testName.fqdn}.`);

    expect(await operate('switchServices', site.siteId)).toMatchObject({ state: 'SUCCEEDED' });
    const switched = (await query(instance.url, NAMES, { id: site.siteId }, TOKENS.alice)).site;
    const promoted = switched.vms.find((vm: { role: string }) => vm.role === 'PRODUCTION').id;
    const service = switched.names.find((name: { purpose: string }) => name.purpose === 'SERVICE');
    expect(service.vm.id).toBe(promoted);
    expect(await published(switched.serviceName, 'A')).toEqual({ data: addressesOf(service, 4), signed: true });

    expect(await operate('removeTest', site.siteId)).toMatchObject({ state: 'SUCCEEDED' });
    await signedSoon(async () => {
      expect((await published(testName.fqdn, 'A')).data).toEqual([]);
      expect((await published(testName.fqdn, 'AAAA')).data).toEqual([]);
    });
    expect((await run('dig', ['+short', '-x', addressesOf(testName, 4)[0]!, '@127.0.0.1', '-p', String(bind.port)])).stdout.trim()).toBe('');
    expect(await published(switched.serviceName, 'A')).toEqual({ data: addressesOf(service, 4), signed: true });
  });
});

describe('publishing when DNS refuses or cannot be reached', () => {
  it('fails createSite on a wrong TSIG key with the server’s refusal, and undoes the site', async () => {
    const instance = await instanceWith({ ...bind.keys.sha256, secret: Buffer.alloc(32, 7).toString('base64') });
    try {
      const site = await createSite(instance.url, 'wrongkey');
      const task = await site.finished();
      expect(task.state).toBe('FAILED');
      expect(task.error).toMatchObject({ code: 'UPSTREAM_REFUSED', step: 'publish-dns', message: expect.stringMatching(/the TSIG key hostgraph-sha256 was refused by 127\.0\.0\.1:\d+ \(NOTAUTH, BADSIG\)/) });
      expect(task.steps.map((step) => `${step.name} ${step.state}`)).toEqual([
        'place COMPENSATED',
        'allocate-network COMPENSATED',
        'create-vm COMPENSATED',
        'start-vm COMPENSATED',
        'wait-for-ssh COMPENSATED',
        'provision COMPENSATED',
        // Its undo is refused with the same key: nothing was published to withdraw.
        'publish-dns FAILED',
      ]);
      const { site: failed } = await query(instance.url, SITE, { id: site.siteId }, TOKENS.alice);
      expect(failed).toMatchObject({ serviceName: null, serviceAddresses: [], vm: { hostName: null } });
    } finally {
      await instance.close();
    }
  });

  it('retries a DNS server that cannot be reached, as a transient failure, before giving up and undoing', async () => {
    const instance = await instanceWith(bind.keys.sha256, await freePort());
    try {
      const site = await createSite(instance.url, 'unreachable');
      const task = await site.finished();
      expect(task.state).toBe('FAILED');
      expect(task.error).toMatchObject({ code: 'TRANSIENT', step: 'publish-dns', message: expect.stringMatching(/cannot be reached/) });
      const { task: attempts } = await query(instance.url, 'query ($id: ID!) { task(id: $id) { attempt } }', { id: site.taskId }, TOKENS.alice);
      expect(attempts.attempt).toBe(3);
    } finally {
      await instance.close();
    }
  });
});
