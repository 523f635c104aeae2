import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from '../identity/identity-fixture.js';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createSite, deleteSite, HOST_FIELDS, hostNamed } from './inventory-fixture.js';

const SECRET = 'ssh-key-material-that-must-never-leave-the-worker';
const KVM_URI = 'qemu+ssh://root@kvm1.example.org/system?storageDir=/var/lib/hostgraph&baseImage=/var/lib/hostgraph/base.qcow2';

const ADD = `mutation ($input: AddHypervisorHostInput!) { addHypervisorHost(input: $input) { ${HOST_FIELDS} } }`;
const hostInput = (overrides: Record<string, unknown> = {}) => ({
  name: 'kvm1',
  driver: 'kvm',
  uri: KVM_URI,
  credentialRef: 'secret:KVM1_KEY',
  location: 'Room 101, rack 4',
  capacity: { vcpus: 16, memoryMiB: 65536, diskGiB: 2000 },
  ...overrides,
});
const hostCount = async (url: string) => (await query(url, '{ hypervisorHosts { id } }', {}, TOKENS.admin)).hypervisorHosts.length;

describe.each(DATABASES)('the inventory through the gateway on $name', ({ database }) => {
  let instance: Instance;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    instance = await startInstance({
      database: db.url,
      settings: {
        secrets: { KVM1_KEY: SECRET },
        flavors: {
          small: { vcpus: 1, memoryMiB: 2048, diskGiB: 20 },
          huge: { vcpus: 2, memoryMiB: 2 * 1024 * 1024, diskGiB: 20 },
          'kvm-only': { vcpus: 1, memoryMiB: 512, diskGiB: 5, driver: 'kvm' },
        },
      },
    });
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
  });

  it('starts with the embedded sim host, and shows hosts to platform admins only', async () => {
    const sim = await hostNamed(instance.url, 'sim-1');
    expect(sim).toMatchObject({ driver: 'sim', uri: 'sim:///default', credentialRef: null, state: 'ENABLED', capacity: { vcpus: 256 } });
    // The worker reconciled it at start.
    expect(sim.reachable).toBe(true);
    const asAlice = await graphql(instance.url, '{ hypervisorHosts { id } }', {}, TOKENS.alice);
    expect(errorCodes(asAlice.body)).toEqual(['FORBIDDEN']);
    const adding = await graphql(instance.url, ADD, { input: hostInput() }, TOKENS.alice);
    expect(errorCodes(adding.body)).toEqual(['FORBIDDEN']);
    expect(await hostCount(instance.url)).toBe(1);
  });

  it('adds a host with a reference to its credential; the secret never appears in the API', async () => {
    const response = await graphql(instance.url, ADD, { input: hostInput() }, TOKENS.admin);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.addHypervisorHost).toMatchObject({
      name: 'kvm1',
      driver: 'kvm',
      uri: KVM_URI,
      credentialRef: 'secret:KVM1_KEY',
      location: 'Room 101, rack 4',
      state: 'ENABLED',
      capacity: { vcpus: 16, memoryMiB: 65536, diskGiB: 2000 },
      allocated: { vcpus: 0, memoryMiB: 0, diskGiB: 0 },
      // Overcommit 4 for vCPUs, 1 for RAM and disk (the defaults).
      available: { vcpus: 64, memoryMiB: 65536, diskGiB: 2000 },
      reachable: null,
    });
    const everything = await fetch(instance.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.admin}` },
      body: JSON.stringify({ query: `{ hypervisorHosts { ${HOST_FIELDS} } }` }),
    }).then((r) => r.text());
    expect(everything).toContain('secret:KVM1_KEY');
    expect(everything).not.toContain(SECRET);
  });

  it.each([
    ['an unknown driver', { driver: 'hyperv' }, 'driver', /Unknown driver "hyperv"/],
    ['a malformed URI', { uri: 'kvm1.example.org' }, 'uri', /is not a URI/],
    ['a URI of another driver', { uri: 'vmware://u@vc/sdk' }, 'uri', /starts with qemu\+ssh:\/\//],
    ['a password in the URI', { uri: KVM_URI.replace('root@', 'root:pw@') }, 'uri', /no password in the URI/],
    ['a secret instead of a reference', { credentialRef: SECRET }, 'credentialRef', /never the secret itself/],
    ['no credential for kvm', { credentialRef: null }, 'credentialRef', /needs a credential reference/],
    ['a negative capacity', { capacity: { vcpus: -4, memoryMiB: 1024, diskGiB: 10 } }, 'capacity.vcpus', /capacity.vcpus must be a whole number above 0/],
    ['a zero capacity', { capacity: { vcpus: 4, memoryMiB: 0, diskGiB: 10 } }, 'capacity.memoryMiB', /above 0/],
    ['a bad name', { name: 'KVM_1' }, 'name', /lower-case letters, digits and hyphens/],
  ])('refuses %s with BAD_USER_INPUT naming the field, and stores nothing', async (_what, overrides, field, message) => {
    const before = await hostCount(instance.url);
    const response = await graphql(instance.url, ADD, { input: hostInput({ name: 'refused', ...overrides }) }, TOKENS.admin);
    expect(response.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT', field } });
    expect(await hostCount(instance.url)).toBe(before);
  });

  it('refuses a second host of the same name with CONFLICT', async () => {
    const response = await graphql(instance.url, ADD, { input: hostInput({ name: 'sim-1', driver: 'sim', uri: 'sim:///other', credentialRef: null }) }, TOKENS.admin);
    expect(response.body.errors?.[0]).toMatchObject({ message: 'A host named sim-1 already exists; choose another name', extensions: { code: 'CONFLICT' } });
  });

  it('places a new site on a host and shows where its VM runs; deleting the site gives the room back', async () => {
    const before = await hostNamed(instance.url, 'sim-1');
    const site = await createSite(instance.url, 'placed');
    expect(await site.finished()).toMatchObject({
      state: 'SUCCEEDED',
      steps: [{ name: 'place', state: 'SUCCEEDED' }, { name: 'allocate-network' }, { name: 'create-vm' }, { name: 'start-vm' }, { name: 'wait-for-ssh' }, { name: 'provision' }, { name: 'publish-dns' }],
    });
    const SITE = `query ($id: ID!) { site(id: $id) { vm { id name placement { hostName vcpus memoryMiB diskGiB host { name } } } placements { hostName vm { id } } } }`;
    const seenByAlice = (await query(instance.url, SITE, { id: site.siteId }, TOKENS.alice)).site;
    expect(seenByAlice.vm.placement).toEqual({ hostName: 'sim-1', vcpus: 1, memoryMiB: 2048, diskGiB: 20, host: null });
    expect(seenByAlice.placements).toEqual([{ hostName: 'sim-1', vm: { id: seenByAlice.vm.id } }]);
    const seenByAdmin = (await query(instance.url, SITE, { id: site.siteId }, TOKENS.admin)).site;
    expect(seenByAdmin.vm.placement.host).toEqual({ name: 'sim-1' });
    const during = await hostNamed(instance.url, 'sim-1');
    expect(during.allocated).toEqual({ vcpus: before.allocated.vcpus + 1, memoryMiB: before.allocated.memoryMiB + 2048, diskGiB: before.allocated.diskGiB + 20 });
    const { hypervisorHost } = await query(instance.url, `query ($id: ID!) { hypervisorHost(id: $id) { vms { vm { id } hostName } } }`, { id: during.id }, TOKENS.admin);
    expect(hypervisorHost.vms).toContainEqual({ vm: { id: seenByAlice.vm.id }, hostName: 'sim-1' });

    expect(await deleteSite(instance.url, site.siteId)).toMatchObject({ state: 'SUCCEEDED', steps: expect.arrayContaining([{ name: 'release-placement', state: 'SUCCEEDED' }]) });
    expect((await hostNamed(instance.url, 'sim-1')).allocated).toEqual(before.allocated);
  });

  it('fails a createSite that no host has room for with NO_CAPACITY, leaving nothing allocated', async () => {
    const before = await hostNamed(instance.url, 'sim-1');
    const site = await createSite(instance.url, 'too-big', 'huge');
    const task = await site.finished();
    expect(task.state).toBe('FAILED');
    expect(task.error).toMatchObject({ code: 'NO_CAPACITY', step: 'place', message: expect.stringMatching(/No hypervisor host can take 2 vCPU, 2097152 MiB RAM/) });
    expect(task.steps).toEqual([
      { name: 'place', state: 'COMPENSATED' },
      { name: 'allocate-network', state: 'PENDING' },
      { name: 'create-vm', state: 'PENDING' },
      { name: 'start-vm', state: 'PENDING' },
      { name: 'wait-for-ssh', state: 'PENDING' },
      { name: 'provision', state: 'PENDING' },
      { name: 'publish-dns', state: 'PENDING' },
    ]);
    const { site: failed } = await query(instance.url, 'query ($id: ID!) { site(id: $id) { state vm { placement { hostName } } } }', { id: site.siteId }, TOKENS.alice);
    expect(failed).toEqual({ state: 'FAILED', vm: { placement: null } });
    expect((await hostNamed(instance.url, 'sim-1')).allocated).toEqual(before.allocated);
    // A failed site is deleted without touching any hypervisor.
    expect((await deleteSite(instance.url, site.siteId)).state).toBe('SUCCEEDED');
  });

  it('places a flavor that asks for a driver only on hosts of that driver', async () => {
    const kvm = await hostNamed(instance.url, 'kvm1');
    await query(instance.url, 'mutation ($id: ID!) { drainHypervisorHost(id: $id) { state } }', { id: kvm.id }, TOKENS.admin);
    const site = await createSite(instance.url, 'wants-kvm', 'kvm-only');
    const task = await site.finished();
    expect(task.error).toMatchObject({ code: 'NO_CAPACITY', message: expect.stringContaining('no kvm host is enabled') });
    await deleteSite(instance.url, site.siteId);
  });

  it('drains, disables and enables a host, refusing to move it to the state it is in', async () => {
    const kvm = await hostNamed(instance.url, 'kvm1');
    const move = (verb: string) => graphql(instance.url, `mutation ($id: ID!) { ${verb}HypervisorHost(id: $id) { state } }`, { id: kvm.id }, TOKENS.admin);
    expect((await move('drain')).body.errors?.[0]).toMatchObject({ message: 'Host kvm1 is already DRAINING', extensions: { code: 'CONFLICT' } });
    expect((await move('disable')).body.data).toEqual({ disableHypervisorHost: { state: 'DISABLED' } });
    expect((await move('enable')).body.data).toEqual({ enableHypervisorHost: { state: 'ENABLED' } });
    expect(errorCodes((await move('enable')).body)).toEqual(['CONFLICT']);
    expect(errorCodes((await graphql(instance.url, 'mutation { drainHypervisorHost(id: "nope") { state } }', {}, TOKENS.admin)).body)).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes((await graphql(instance.url, 'mutation { drainHypervisorHost(id: "00000000-0000-4000-8000-000000000000") { state } }', {}, TOKENS.admin)).body)).toEqual(['NOT_FOUND']);
  });

  it('refuses to remove a host with VMs, saying which, and removes an empty one', async () => {
    const site = await createSite(instance.url, 'keeps-host');
    await site.finished();
    const sim = await hostNamed(instance.url, 'sim-1');
    const refused = await graphql(instance.url, 'mutation ($id: ID!) { removeHypervisorHost(id: $id) { name } }', { id: sim.id }, TOKENS.admin);
    expect(refused.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Host sim-1 still has VMs \(keeps-host-[0-9a-f]{8}\); drain it/), extensions: { code: 'CONFLICT' } });
    expect(await hostNamed(instance.url, 'sim-1')).toBeDefined();
    const kvm = await hostNamed(instance.url, 'kvm1');
    const removed = await query(instance.url, 'mutation ($id: ID!) { removeHypervisorHost(id: $id) { name } }', { id: kvm.id }, TOKENS.admin);
    expect(removed.removeHypervisorHost).toEqual({ name: 'kvm1' });
    expect(await hostNamed(instance.url, 'kvm1')).toBeUndefined();
  });
});
