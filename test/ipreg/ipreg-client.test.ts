import { randomUUID } from 'node:crypto';
import sshpk from 'sshpk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubgraphClient } from '../../core/graphql/subgraph-client.js';
import { IpregClient } from '../../subgraphs/ipreg/client/ipreg-client.js';
import { openPrivateKey, parseHostKeyEncryptionKey } from '../../subgraphs/ipreg/host-keys/host-key-sealing.js';
import { createSite } from '../inventory/inventory-fixture.js';
import { query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

/** What the lifecycle work asks the IP registry for, as the worker would. */
describe('the IP registry client', () => {
  let instance: Instance;
  let ipreg: IpregClient;
  let siteId: string;
  let vmId: string;

  beforeAll(async () => {
    instance = await startInstance({ settings: { ipreg: { preallocate: { count: 0 } } } });
    ipreg = new IpregClient(new SubgraphClient('ipreg', instance.config.subgraphs.ipreg.url, instance.config.principalSecret, 'test'));
    const site = await createSite(instance.url, 'keys');
    expect((await site.finished()).state).toBe('SUCCEEDED');
    siteId = site.siteId;
    vmId = (await query(instance.url, 'query ($id: ID!) { site(id: $id) { vm { id } } }', { id: siteId }, TOKENS.alice)).site.vm.id;
  });
  afterAll(() => instance?.close());

  it("hands out a VM's host keys: public halves as the API shows them, private halves sealed so only the configured key opens them", async () => {
    const keys = await ipreg.vmHostKeys(vmId);
    const { site } = await query(instance.url, 'query ($id: ID!) { site(id: $id) { vm { hostName hostKeys { algorithm publicKey } } } }', { id: siteId }, TOKENS.alice);
    expect(keys.map(({ algorithm, publicKey }) => ({ algorithm, publicKey }))).toEqual(site.vm.hostKeys);
    const encryptionKey = parseHostKeyEncryptionKey(instance.config.ipreg.hostKeyEncryptionKey);
    for (const key of keys) {
      expect(key.sealedPrivateKey).toMatch(/^hk1:/);
      expect(key.sealedPrivateKey).not.toContain('PRIVATE KEY');
      const opened = openPrivateKey(key.sealedPrivateKey, encryptionKey, { hostName: site.vm.hostName, algorithm: key.algorithm });
      const publicHalf = sshpk.parsePrivateKey(opened, 'openssh').toPublic();
      expect(publicHalf.fingerprint('sha256').toString()).toBe(sshpk.parseKey(key.publicKey, 'ssh').fingerprint('sha256').toString());
    }
    // Nobody but Hostgraph gets the sealed halves, not even a platform admin.
    const asAdmin = await fetch(instance.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.admin}` },
      body: JSON.stringify({ query: `{ vmHostKeys(vmId: "${vmId}") { sealedPrivateKey } }` }),
    }).then((response) => response.json());
    expect(asAdmin.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it("switches the service names of a site's production VM and its test copy, host names staying put", async () => {
    const testVmId = randomUUID();
    const testName = await ipreg.allocateNetwork({ siteId, purpose: 'TEST', vmId: testVmId });
    const NAMES = 'query ($id: ID!) { site(id: $id) { serviceName serviceAddresses vm { hostName } names { fqdn purpose vm { id } } } }';
    const before = (await query(instance.url, NAMES, { id: siteId }, TOKENS.alice)).site;
    const vmOf = (names: any[], purpose: string) => names.find((name) => name.purpose === purpose).vm.id;
    expect(vmOf(before.names, 'SERVICE')).toBe(vmId);
    expect(vmOf(before.names, 'TEST')).toBe(testVmId);

    const switched = await ipreg.switchServices(vmId, testVmId);
    expect(switched.map((name) => name.fqdn).sort()).toEqual([before.serviceName, testName.fqdn].sort());
    const after = (await query(instance.url, NAMES, { id: siteId }, TOKENS.alice)).site;
    expect(vmOf(after.names, 'SERVICE')).toBe(testVmId);
    expect(vmOf(after.names, 'TEST')).toBe(vmId);
    expect(vmOf(after.names, 'HOST')).toBe(vmId);
    // The service keeps its name and addresses; only who serves them changed.
    expect(after.serviceName).toBe(before.serviceName);
    expect(after.serviceAddresses).toEqual(before.serviceAddresses);
    expect(after.vm.hostName).toBe(before.vm.hostName);

    await expect(ipreg.switchServices(vmId, randomUUID())).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
  });
  it('assigns the service and test names as stated, so a repeated assignment swaps once, and releases one VM’s names alone', async () => {
    const NAMES = 'query ($id: ID!) { site(id: $id) { names { fqdn purpose vm { id } } } }';
    const holders = async () => Object.fromEntries(((await query(instance.url, NAMES, { id: siteId }, TOKENS.alice)).site.names as { purpose: string; vm: { id: string } }[]).map((name) => [name.purpose, name.vm.id]));
    // The switch above left production's VM on the TEST name.
    const { SERVICE: testVmId, TEST: productionNow } = await holders();
    expect(productionNow).toBe(vmId);
    for (let i = 0; i < 2; i++) await ipreg.assignServiceNames({ siteId, productionVmId: vmId, testVmId });
    expect(await holders()).toEqual({ SERVICE: vmId, TEST: testVmId, HOST: vmId });
    await ipreg.assignServiceNames({ siteId, productionVmId: testVmId, testVmId: vmId });
    expect(await holders()).toEqual({ SERVICE: testVmId, TEST: vmId, HOST: vmId });
    await expect(ipreg.assignServiceNames({ siteId, productionVmId: vmId, testVmId: randomUUID() })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    await expect(ipreg.assignServiceNames({ siteId, productionVmId: vmId, testVmId: vmId })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    await ipreg.assignServiceNames({ siteId, productionVmId: vmId, testVmId });

    // The test VM's records are its TEST name's, then they and the name go; production's stay.
    const records = await ipreg.vmRecords(testVmId);
    expect(new Set(records.map((record) => record.type))).toEqual(new Set(['A', 'AAAA', 'PTR']));
    expect(await ipreg.releaseVmNetwork(testVmId)).toBe(1);
    expect(await ipreg.releaseVmNetwork(testVmId)).toBe(0);
    expect(await ipreg.vmRecords(testVmId)).toEqual([]);
    expect(await holders()).toEqual({ SERVICE: vmId, HOST: vmId });
    expect((await ipreg.vmRecords(vmId)).map((record) => record.type)).toContain('SSHFP');
    await expect(ipreg.vmRecords('not an id')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});
