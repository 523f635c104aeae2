import { readFileSync } from 'node:fs';
import sshpk from 'sshpk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneOptions, OperationOptions, Vm, VmSpec } from '../../drivers/driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import type { EndpointQuery, VmEndpoints } from '../../plugins/provisioner/vm-endpoints.js';
import { SubgraphClient } from '../../core/graphql/subgraph-client.js';
import { IpregClient } from '../../subgraphs/ipreg/client/ipreg-client.js';
import { generateHostKeys } from '../../subgraphs/ipreg/host-keys/generate-host-keys.js';
import { IpregVmEndpoints } from '../../subgraphs/hosting/provisioning/ipreg-vm-endpoints.js';
import { collect, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { startSshd, type SshdServer } from '../support/sshd-server.js';
import { LEDGER_TOOLS, TestRoot } from '../plugins/provisioner/test-host.js';

const TASK = 'id state siteId error { code message step } steps { name state }';
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { seq } }';
const SITE = 'query ($id: ID!) { site(id: $id) { state vmRef serviceName names { fqdn } vm { hostName hostKeys { publicKey } } } }';

/** The sim, keeping what each VM was asked to boot with, as a hypervisor hands it to cloud-init. */
class SeedKeepingDriver extends SimDriver {
  readonly seeds = new Map<string, VmSpec['seed']>();
  override create(spec: VmSpec, options?: OperationOptions): Promise<Vm> {
    this.seeds.set(spec.name, spec.seed);
    return super.create(spec, options);
  }
  override clone(ref: string, newName: string, options?: CloneOptions): Promise<Vm> {
    this.seeds.set(newName, options?.seed);
    return super.clone(ref, newName, options);
  }
}

const fingerprintOf = (publicKey: string) => sshpk.parseKey(publicKey, 'ssh').fingerprint('sha256').toString();

/**
 * The worker's own endpoints (ipreg's host keys) and guest seeds, with a real sshd standing in for
 * each VM: it presents the ed25519 host key the VM's cloud-init seed carried, as a booted guest
 * would. Only the address is the test's (the sshd's loopback port instead of the VM's host
 * address); the keys the provisioner expects are ipreg's. An impostor-… site's "VM" presents a key
 * of its own.
 */
describe('VMs checked against the host keys ipreg generated for them (sim + real sshd)', { timeout: 240_000 }, () => {
  const driver = new SeedKeepingDriver({ store: new MemorySimVmStore() });
  const vms = new Map<string, Promise<SshdServer>>();
  let ipregEndpoints: IpregVmEndpoints;
  let clientKey: string;
  let root: TestRoot;
  let instance: Instance;

  const call = (text: string, variables: Record<string, unknown> = {}) => query(instance.url, text, variables, TOKENS.alice);
  async function createSite(name: string) {
    const started = (await call(`mutation ($input: CreateSiteInput!) { createSite(input: $input) { ${TASK} } }`, { input: { name, flavor: 'small' } })).createSite;
    await collect(sse(instance.url, EVENTS, { taskId: started.id }, TOKENS.alice));
    return (await call(`query ($id: ID!) { task(id: $id) { ${TASK} } }`, { id: started.id })).task;
  }
  async function operate(mutation: string) {
    const started = Object.values((await call(`mutation { ${mutation} { ${TASK} } }`)) as Record<string, { id: string }>)[0]!;
    await collect(sse(instance.url, EVENTS, { taskId: started.id }, TOKENS.alice));
    return (await call(`query ($id: ID!) { task(id: $id) { ${TASK} } }`, { id: started.id })).task;
  }
  /** The VM "boots" when provisioning first looks for it: an sshd with the host key from its seed. */
  const vmSshd = (vm: EndpointQuery) => {
    let sshd = vms.get(vm.vmName);
    if (!sshd) {
      const seeded = driver.seeds.get(vm.vmName)?.hostKeys?.find((key) => key.type === 'ed25519');
      if (!seeded) throw new Error(`VM ${vm.vmName} was created without an ed25519 host key in its seed`);
      sshd = startSshd({ clientPrivateKey: clientKey, hostPrivateKey: vm.siteName.startsWith('impostor-') ? undefined : seeded.privateKey });
      vms.set(vm.vmName, sshd);
    }
    return sshd;
  };

  beforeAll(async () => {
    [{ privateKey: clientKey }] = await generateHostKeys('hostgraph-provisioner', ['ed25519']);
    root = new TestRoot();
    const endpoints: VmEndpoints = {
      async endpointOf(vm) {
        const expected = await ipregEndpoints.endpointOf(vm);
        const sshd = await vmSshd(vm);
        return { ...expected, host: sshd.host, port: sshd.port };
      },
    };
    instance = await startInstance({
      overrides: { driver, vmEndpoints: endpoints },
      settings: {
        ipreg: { preallocate: { count: 0 } },
        provisioning: { provisioner: { kind: 'ssh', privateKey: clientKey, root: root.path, toolsDirectory: LEDGER_TOOLS, connectTimeoutMs: 30_000 } },
      },
    });
    ipregEndpoints = new IpregVmEndpoints(new IpregClient(new SubgraphClient('ipreg', instance.config.subgraphs.ipreg.url, instance.config.principalSecret, 'test')));
  });
  afterAll(async () => {
    await instance?.close();
    for (const sshd of vms.values()) await (await sshd).stop();
    root?.remove();
  });

  it('provisions a VM that presents the host key from its seed, which is the one ipreg published', async () => {
    const task = await createSite('keyed');
    expect(task).toMatchObject({ state: 'SUCCEEDED', error: null });
    const { site } = await call(SITE, { id: task.siteId });
    const [[vmName, seed]] = [...driver.seeds].filter(([name]) => name.startsWith('keyed'));
    // The seed names the VM by its ipreg host name and carries its three keys, public halves as the API shows them.
    expect(seed?.hostname).toBe(site.vm.hostName);
    expect(seed?.hostKeys?.map((key) => key.type).sort()).toEqual(['ecdsa', 'ed25519', 'rsa']);
    expect(seed?.hostKeys?.map((key) => key.publicKey).sort()).toEqual(site.vm.hostKeys.map((key: { publicKey: string }) => key.publicKey).sort());
    for (const key of seed!.hostKeys!) expect(fingerprintOf(sshpk.parsePrivateKey(key.privateKey, 'openssh').toPublic().toString('ssh'))).toBe(fingerprintOf(key.publicKey));
    const sshd = await vms.get(vmName)!;
    expect(site.vm.hostKeys.map((key: { publicKey: string }) => fingerprintOf(key.publicKey))).toContain(sshd.hostKeyFingerprint);
    expect(readFileSync(sshd.logFile, 'utf8')).toContain('Accepted publickey');
    // Configured on the service name ipreg gave the site.
    expect(root.read('etc/apache2/sites-available/hostgraph-default.conf')).toContain(`ServerName ${site.serviceName}\n`);
  });

  it('provisions the test copy, and both VMs after switchServices, each presenting the host key its own seed carried', async () => {
    const created = await createSite('copied');
    expect(created).toMatchObject({ state: 'SUCCEEDED', error: null });
    expect(await operate(`cloneToTest(siteId: "${created.siteId}")`)).toMatchObject({ state: 'SUCCEEDED', error: null });
    const VMS = 'query ($id: ID!) { site(id: $id) { vms { name role hostName hostKeys { publicKey } } } }';
    const { site } = await call(VMS, { id: created.siteId });
    const [production, test] = ['PRODUCTION', 'TEST'].map((role) => site.vms.find((vm: { role: string }) => vm.role === role));
    // The clone was seeded with its own ipreg host name and keys, not production's.
    const seed = driver.seeds.get(test.name);
    expect(seed?.hostname).toBe(test.hostName);
    expect(seed?.hostname).not.toBe(production.hostName);
    expect(seed?.hostKeys?.map((key) => key.publicKey).sort()).toEqual(test.hostKeys.map((key: { publicKey: string }) => key.publicKey).sort());
    const testSshd = await vms.get(test.name)!;
    expect(test.hostKeys.map((key: { publicKey: string }) => fingerprintOf(key.publicKey))).toContain(testSshd.hostKeyFingerprint);
    expect(production.hostKeys.map((key: { publicKey: string }) => fingerprintOf(key.publicKey))).not.toContain(testSshd.hostKeyFingerprint);
    expect(readFileSync(testSshd.logFile, 'utf8')).toContain('Accepted publickey');
    // switchServices reaches both VMs to move the addresses, each checked against its own keys.
    expect(await operate(`switchServices(siteId: "${created.siteId}")`)).toMatchObject({ state: 'SUCCEEDED', error: null });
    expect(await operate(`removeTest(siteId: "${created.siteId}")`)).toMatchObject({ state: 'SUCCEEDED', error: null });
  });

  it('refuses a VM whose host key is not one ipreg generated for it, and gives the site’s names back', async () => {
    const task = await createSite('impostor-vm');
    expect(task.state).toBe('FAILED');
    expect(task.error).toMatchObject({ code: 'UPSTREAM_REFUSED', step: 'wait-for-ssh' });
    const [vmName] = [...driver.seeds.keys()].filter((name) => name.startsWith('impostor-vm'));
    const sshd = await vms.get(vmName!)!;
    expect(task.error.message).toContain(`the host key is ${sshd.hostKeyFingerprint}, not one of the expected`);
    expect(readFileSync(sshd.logFile, 'utf8')).not.toContain('Accepted publickey');
    const { site } = await call(SITE, { id: task.siteId });
    expect(site).toMatchObject({ state: 'FAILED', vmRef: null, names: [], serviceName: null });
  });
});
