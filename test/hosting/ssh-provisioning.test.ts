import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointQuery, VmEndpoints } from '../../plugins/provisioner/vm-endpoints.js';
import { generateHostKeys } from '../../subgraphs/ipreg/host-keys/generate-host-keys.js';
import { eventually } from '../support/eventually.js';
import { collect, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { startSshd, type SshdServer } from '../support/sshd-server.js';
import { LEDGER_TOOLS, personKey, TestRoot } from '../plugins/provisioner/test-host.js';

const TASK = 'id kind state siteId error { code message step } steps { name state }';
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { seq type message step } }';
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * The worker provisions over SSH: a real sshd on loopback stands in for every site's VM, its roles
 * writing under a test root (the ledger tools record packages and services instead of touching
 * this machine). The endpoints port gives the sshd's address and its host key, as ipreg will give
 * a VM's pre-generated ones; a site named impostor-… is given a key the sshd does not have.
 */
describe('sites provisioned over SSH against a real sshd', { timeout: 240_000 }, () => {
  let sshd: SshdServer;
  let root: TestRoot;
  let instance: Instance;
  let impostorKey: string;

  const call = (text: string, variables: Record<string, unknown> = {}, token: string = TOKENS.alice) => query(instance.url, text, variables, token);
  const finished = async (taskId: string) => {
    const events = (await collect(sse(instance.url, EVENTS, { taskId }, TOKENS.alice))).map((event) => event.data!.taskEvents);
    return { events, task: (await call(`query ($id: ID!) { task(id: $id) { ${TASK} } }`, { id: taskId })).task };
  };
  const createSite = async (name: string) => (await call(`mutation ($input: CreateSiteInput!) { createSite(input: $input) { ${TASK} } }`, { input: { name, flavor: 'small' } })).createSite;
  const accountKeys = (user: string) => root.lines(`home/${user}/.ssh/authorized_keys`).filter((line) => !line.startsWith('#'));

  beforeAll(async () => {
    sshd = await startSshd();
    root = new TestRoot();
    [{ publicKey: impostorKey }] = await generateHostKeys('impostor.hosting.test', ['ed25519']);
    const endpoints: VmEndpoints = {
      async endpointOf(vm: EndpointQuery) {
        const hostKeys = vm.siteName.startsWith('impostor-') ? [impostorKey] : [sshd.hostPublicKey];
        return { host: sshd.host, port: sshd.port, hostKeys, hostName: `${vm.vmName}.hosting.test`, serviceName: `${vm.siteName}.hosting.test`, serviceAddresses: ['203.0.113.10', '2001:db8::10'] };
      },
    };
    instance = await startInstance({
      overrides: { vmEndpoints: endpoints },
      settings: {
        provisioning: {
          provisioner: { kind: 'ssh', privateKey: sshd.privateKey, root: root.path, toolsDirectory: LEDGER_TOOLS, connectTimeoutMs: 30_000 },
          approvedPackages: ['git', 'php-fpm'],
        },
        certificates: { kind: 'internalCA', domains: ['hosting.test'] },
      },
    });
  });
  afterAll(async () => {
    await instance?.close();
    await sshd?.stop();
    root?.remove();
  });

  it('waits while the VM refuses connections, then provisions it, every line of the roles in the task events', async () => {
    await sshd.interrupt();
    const name = unique('blog');
    const created = await createSite(name);
    // The VM "boots" once the task says it is waiting for SSH.
    const events: { type: string; message: string; step: string | null }[] = [];
    for await (const event of sse(instance.url, EVENTS, { taskId: created.id }, TOKENS.alice)) {
      const data = event.data!.taskEvents;
      events.push(data);
      if (data.message.startsWith('waiting for SSH') && events.filter((e) => e.message.startsWith('waiting for SSH')).length === 1) await sshd.resume();
    }
    const { task } = await finished(created.id);
    expect(task).toMatchObject({ state: 'SUCCEEDED', error: null });
    const waiting = events.filter((event) => event.step === 'wait-for-ssh' && event.message.startsWith('waiting for SSH'));
    expect(waiting[0]?.message).toContain('ECONNREFUSED');

    const lines = events.filter((event) => event.step === 'provision' && event.type === 'STEP_LOG').map((event) => event.message);
    expect(lines).toContain('apache · apache installed: Setting up apache2 ...');
    expect(lines).toContain('base · message of the day: changed');
    expect(root.read('etc/motd')).toContain(`${name}.hosting.test: a site managed by Hostgraph`);
    expect(root.read('etc/apache2/sites-available/hostgraph-default.conf')).toContain(`ServerName ${name}.hosting.test\n`);
    expect(root.lines('var/lib/ledger/packages')).toEqual(expect.arrayContaining(['apache2', 'ca-certificates']));
    expect(root.lines('var/lib/ledger/services')).toEqual(expect.arrayContaining(['apache2 active', 'ssh active']));
  });

  it('gives the site’s SSH users accounts with their directory uid and keys, and follows identity when they change', async () => {
    const created = await createSite(unique('team'));
    expect((await finished(created.id)).task.state).toBe('SUCCEEDED');
    const siteId = created.siteId;
    const bobKey = personKey('bob@laptop');
    const added = (await call('mutation ($key: String!) { addSshKey(key: $key) { id } }', { key: bobKey }, TOKENS.bob)).addSshKey;

    // A grant is announced by identity: a configuration run follows at once, without a resync.
    await call('mutation ($siteId: ID!) { grantSiteAccess(siteId: $siteId, role: SSH, user: "bob") { id } }', { siteId });
    await eventually(() => expect(root.lines('etc/passwd').find((line) => line.startsWith('bob:'))?.split(':')[2]).toBe('20002'), { timeoutMs: 60_000 });
    await eventually(() => expect(accountKeys('bob')).toEqual([bobKey]), { timeoutMs: 60_000 });

    // Bob's keys change: the VM follows.
    const secondKey = personKey('bob@desktop');
    await call('mutation ($key: String!) { addSshKey(key: $key) { id } }', { key: secondKey }, TOKENS.bob);
    await call('mutation ($id: ID!) { removeSshKey(id: $id) { id } }', { id: added.id }, TOKENS.bob);
    await eventually(() => expect(accountKeys('bob')).toEqual([secondKey]), { timeoutMs: 60_000 });

    // Bob leaves the directory: his account goes (his home stays).
    writeFileSync(instance.directoryFile, 'users:\n  - { username: alice, displayName: Alice, mail: alice@example.org, uidNumber: 20001, gidNumber: 20000 }\n');
    await call('mutation { syncDirectory { users } }', {}, TOKENS.admin);
    await eventually(() => expect(root.lines('etc/passwd').some((line) => line.startsWith('bob:'))).toBe(false), { timeoutMs: 60_000 });
    const { tasks } = await call('query ($filter: TaskFilter) { tasks(filter: $filter, first: 100) { edges { node { state requestedBy } } } }', { filter: { siteId, kind: 'configureSite' } });
    expect(tasks.edges.map((edge: { node: { state: string; requestedBy: string } }) => edge.node)).toContainEqual({ state: 'SUCCEEDED', requestedBy: 'service:hosting' });
  });

  it('names the failing step and keeps its output when a package will not install', async () => {
    const created = await createSite(unique('broken'));
    expect((await finished(created.id)).task.state).toBe('SUCCEEDED');
    mkdirSync(join(root.path, 'etc'), { recursive: true });
    writeFileSync(join(root.path, 'etc/ledger-broken-php-fpm'), '');
    const install = (await call(`mutation ($siteId: ID!) { installPackages(siteId: $siteId, packages: ["php-fpm"]) { ${TASK} } }`, { siteId: created.siteId })).installPackages;
    const { task, events } = await finished(install.id);
    expect(task.state).toBe('FAILED');
    expect(task.error).toMatchObject({ code: 'PROVISIONING_FAILED', step: 'configure' });
    expect(task.error.message).toContain('role packages, step "requested packages": installing php-fpm exited with 100:\nE: Unable to locate package php-fpm');
    expect(events.map((event) => event.message)).toContain('packages · requested packages (stderr): E: Unable to locate package php-fpm');
  });

  it('sets the database root password on the VM without it reaching any event', async () => {
    const created = await createSite(unique('db'));
    expect((await finished(created.id)).task.state).toBe('SUCCEEDED');
    const change = (await call('mutation ($siteId: ID!) { changeDatabaseRootPassword(siteId: $siteId) { password task { id } } }', { siteId: created.siteId })).changeDatabaseRootPassword;
    const { task, events } = await finished(change.task.id);
    expect(task.state).toBe('SUCCEEDED');
    expect(root.read('var/lib/ledger/database-root-password')).toBe(`${change.password}\n`);
    expect(JSON.stringify(events)).not.toContain(change.password);
    expect(events.map((event) => event.message)).toContain('database-root-password · database root password: root password changed');
  });

  it('installs a certificate from the internal CA where Apache reads it, and configures the vhost for HTTPS', async () => {
    const created = await createSite(unique('secure'));
    expect((await finished(created.id)).task.state).toBe('SUCCEEDED');
    const { site } = await call('query ($id: ID!) { site(id: $id) { vhosts { id } } }', { id: created.siteId });
    const requested = (await call(`mutation ($id: ID!) { requestCertificate(vhostId: $id) { ${TASK} } }`, { id: site.vhosts[0].id })).requestCertificate;
    const { task, events } = await finished(requested.id);
    expect(task.state).toBe('SUCCEEDED');
    const privateKey = root.read('etc/hostgraph/tls/default/privkey.pem');
    expect(privateKey).toContain('PRIVATE KEY');
    expect(statSync(join(root.path, 'etc/hostgraph/tls/default/privkey.pem')).mode & 0o777).toBe(0o600);
    expect(root.read('etc/hostgraph/tls/default/fullchain.pem')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(root.read('etc/apache2/sites-available/hostgraph-default.conf')).toContain('SSLCertificateKeyFile /etc/hostgraph/tls/default/privkey.pem');
    expect(events.map((event) => event.message)).toContain('tls-certificate · apache reloaded: changed');
    expect(JSON.stringify(events)).not.toContain(privateKey.split('\n')[1]);
  });

  it('refuses a VM that presents another host key than its own, and undoes the site', async () => {
    const created = await createSite(unique('impostor'));
    const { task } = await finished(created.id);
    expect(task.state).toBe('FAILED');
    expect(task.error).toMatchObject({ code: 'UPSTREAM_REFUSED', step: 'wait-for-ssh' });
    expect(task.error.message).toContain(`the host key is ${sshd.hostKeyFingerprint}, not one of the expected`);
    expect(task.steps.map((step: { name: string; state: string }) => `${step.name} ${step.state}`)).toEqual([
      'place COMPENSATED', 'allocate-network COMPENSATED', 'create-vm COMPENSATED', 'start-vm COMPENSATED', 'wait-for-ssh COMPENSATED', 'provision PENDING', 'publish-dns PENDING',
    ]);
    const { site } = await call('query ($id: ID!) { site(id: $id) { state vmRef vhosts { id } } }', { id: created.siteId });
    expect(site).toEqual({ state: 'FAILED', vmRef: null, vhosts: [] });
  });
});
