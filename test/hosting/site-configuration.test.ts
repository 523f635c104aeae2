import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeDomainNames } from '../support/domain-names.js';
import { errorCodes, graphql } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { configurationClient, TASK, unique } from './configuration-client.js';
import { StepFailed } from '../../plugins/provisioner/step-failed.js';
import { GatedProvisioner } from './gated-provisioner.js';

const databases = [
  { name: 'SQLite', database: async () => ({ url: 'sqlite', drop: async () => {} }) },
  { name: 'PostgreSQL', database: () => createPostgresDatabase(inject('postgresUrl')) },
];

/** Sites, their vhosts, packages and configuration runs through the gateway, on the sim provisioner. */
describe.each(databases)('site configuration on the sim provisioner, $name', ({ database }) => {
  let instance: Instance;
  let drop: () => Promise<void>;
  const provisioner = new GatedProvisioner();
  const logLines: string[] = [];

  const { call, finished, site, tasksOf, runningSite } = configurationClient(() => instance);
  const configureTasks = (siteId: string) => tasksOf(siteId, 'configureSite');

  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    instance = await startInstance({
      database: db.url,
      overrides: { provisioner },
      settings: { provisioning: { approvedPackages: ['php-fpm', 'git', 'mariadb-server'] } },
      // Debug: every line any process writes, to look for the database password in.
      log: { level: 'debug', destination: { write: (line) => void logLines.push(line) } },
    });
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
  });

  it('provisions a new site with a default vhost on its service name, streaming the run into its events', async () => {
    const created = await runningSite('prov');
    // The name ipreg gave the site, in the managed zone, not one made from the site's name.
    const { serviceName } = created;
    expect(serviceName).toMatch(/^s-[0-9a-f]+\.hosting\.example\.org$/);
    expect(created.vhosts).toEqual([{ id: expect.any(String), name: 'default', serverName: serviceName, aliases: [], documentRoot: '/srv/www/default', state: 'ACTIVE', certificate: null }]);
    const [run] = provisioner.runsFor(serviceName);
    expect(run!.map((role) => role.role)).toEqual(['base', 'service-addresses', 'site-users', 'apache', 'vhost']);
    // The VM carries what its service name resolves to, listed for its own host name.
    expect(created.serviceAddresses).toHaveLength(2);
    expect(run![1]).toEqual({ role: 'service-addresses', parameters: { hostName: created.vm.hostName, addresses: created.serviceAddresses } });
    expect(run![4]!.parameters).toMatchObject({ name: 'default', serverName: serviceName, tls: false });
    const lines = created.events.filter((event: { step: string; type: string }) => event.step === 'provision' && event.type === 'STEP_LOG').map((event: { message: string }) => event.message);
    expect(lines).toContain('apache · apache installed: sim: would install apache2');
    expect(lines).toContain('apache · apache installed: changed');
  });

  it('adds a vhost and removes it again, each through a configuration run', async () => {
    const { siteId, name, serviceName } = await runningSite('vhosts');
    const [main, alias] = [`shop.${name}.hosting.example.org`, `www.shop.${name}.hosting.example.org`];
    await activeDomainNames(instance.url, siteId, [main, alias]);
    const added = (
      await call(`mutation ($siteId: ID!, $input: AddVhostInput!) { addVhost(siteId: $siteId, input: $input) { vhost { id name serverName aliases } task { ${TASK} } } }`, {
        siteId,
        input: { serverName: `Shop.${name}.hosting.example.org.`, aliases: [alias] },
      })
    ).addVhost;
    expect(added.vhost).toMatchObject({ serverName: main, aliases: [alias] });
    expect(added.task.kind).toBe('configureSite');
    expect((await finished(added.task.id)).task.state).toBe('SUCCEEDED');
    const vhostRole = provisioner.runsFor(serviceName).at(-1)!.find((role) => role.role === 'vhost' && role.parameters?.name === added.vhost.name);
    expect(vhostRole?.parameters).toEqual({ name: added.vhost.name, serverName: main, aliases: [alias], tls: false });

    const removed = (await call(`mutation ($id: ID!) { removeVhost(vhostId: $id) { ${TASK} } }`, { id: added.vhost.id })).removeVhost;
    expect((await finished(removed.id)).task.state).toBe('SUCCEEDED');
    expect(provisioner.runsFor(serviceName).at(-1)).toContainEqual({ role: 'vhost-removed', parameters: { name: added.vhost.name } });
    expect((await site(siteId)).vhosts.map((vhost: { name: string }) => vhost.name)).toEqual(['default']);
    // Its names are free again (they stay the site's domain names).
    const again = (await call(`mutation ($siteId: ID!, $input: AddVhostInput!) { addVhost(siteId: $siteId, input: $input) { task { id } } }`, { siteId, input: { serverName: main } })).addVhost;
    expect((await finished(again.task.id)).task.state).toBe('SUCCEEDED');
  });

  it('refuses bad vhosts, packages off the list and other people, writing nothing and queueing nothing', async () => {
    const { siteId, serviceName, vhosts } = await runningSite('refusals');
    const other = await runningSite('other');
    const before = await configureTasks(siteId);
    const addVhost = (input: Record<string, unknown>, token: string = TOKENS.alice, target = siteId) =>
      graphql(instance.url, 'mutation ($siteId: ID!, $input: AddVhostInput!) { addVhost(siteId: $siteId, input: $input) { vhost { id } } }', { siteId: target, input }, token);
    const codes = async (response: Promise<{ body: any }>) => errorCodes((await response).body);

    expect(await codes(addVhost({ serverName: 'not a name' }))).toEqual(['BAD_USER_INPUT']);
    expect(await codes(addVhost({ serverName: 'ok.example.org', aliases: ['bad_alias!'] }))).toEqual(['BAD_USER_INPUT']);
    expect(await codes(addVhost({ serverName: 'many.example.org', aliases: Array.from({ length: 51 }, (_, i) => `a${i}.example.org`) }))).toEqual(['BAD_USER_INPUT']);
    // Another site's service name, and this one's own: each name belongs to one vhost.
    expect(await codes(addVhost({ serverName: other.serviceName }))).toEqual(['CONFLICT']);
    expect(await codes(addVhost({ serverName: 'fresh.example.org', aliases: [serviceName] }))).toEqual(['CONFLICT']);
    // A name the site never asked the IP registry for.
    expect(await codes(addVhost({ serverName: 'unclaimed.hosting.example.org' }))).toEqual(['DOMAIN_NAME_NOT_ACTIVE']);
    expect(await codes(addVhost({ serverName: 'bobs.example.org' }, TOKENS.bob))).toEqual(['FORBIDDEN']);
    expect(await codes(addVhost({ serverName: 'nowhere.example.org' }, TOKENS.alice, '00000000-0000-4000-8000-000000000000'))).toEqual(['NOT_FOUND']);

    const vhostMutation = (text: string, id: string, token: string = TOKENS.alice) => codes(graphql(instance.url, text, { id }, token));
    expect(await vhostMutation('mutation ($id: ID!) { removeVhost(vhostId: $id) { id } }', '00000000-0000-4000-8000-000000000000')).toEqual(['NOT_FOUND']);
    expect(await vhostMutation('mutation ($id: ID!) { removeVhost(vhostId: $id) { id } }', 'not-an-id')).toEqual(['BAD_USER_INPUT']);
    expect(await vhostMutation('mutation ($id: ID!) { removeVhost(vhostId: $id) { id } }', vhosts[0].id)).toEqual(['CONFLICT']);
    expect(await vhostMutation('mutation ($id: ID!) { removeVhost(vhostId: $id) { id } }', vhosts[0].id, TOKENS.bob)).toEqual(['FORBIDDEN']);
    expect(await vhostMutation('mutation ($id: ID!) { requestCertificate(vhostId: $id) { id } }', '00000000-0000-4000-8000-000000000000')).toEqual(['NOT_FOUND']);

    const packages = (mutation: string, list: string[], token: string = TOKENS.alice) =>
      codes(graphql(instance.url, `mutation ($siteId: ID!, $packages: [String!]!) { ${mutation}(siteId: $siteId, packages: $packages) { id } }`, { siteId, packages: list }, token));
    const offList = await graphql(instance.url, 'mutation ($siteId: ID!) { installPackages(siteId: $siteId, packages: ["git", "netcat-traditional"]) { id } }', { siteId }, TOKENS.alice);
    expect(offList.body.errors?.[0]).toMatchObject({ message: expect.stringContaining('"netcat-traditional" is not on the approved list'), extensions: { code: 'BAD_USER_INPUT', field: 'packages' } });
    expect(await packages('removePackages', ['bash'])).toEqual(['BAD_USER_INPUT']);
    expect(await packages('installPackages', [])).toEqual(['BAD_USER_INPUT']);
    expect(await packages('installPackages', ['git'], TOKENS.bob)).toEqual(['FORBIDDEN']);
    expect(errorCodes((await graphql(instance.url, 'mutation ($id: ID!) { resyncSite(id: $id) { id } }', { id: siteId }, TOKENS.bob)).body)).toEqual(['FORBIDDEN']);
    expect(errorCodes((await graphql(instance.url, 'mutation ($id: ID!) { changeDatabaseRootPassword(siteId: $id) { password } }', { id: siteId }, TOKENS.bob)).body)).toEqual(['FORBIDDEN']);

    expect(await configureTasks(siteId)).toEqual(before);
    expect(await site(siteId)).toMatchObject({ packages: [], configurationQueued: false, vhosts: [{ name: 'default' }] });
  });

  it('undoes a createSite whose provisioning fails: no VM, no vhost, and the service name is free again', async () => {
    const name = unique('unlucky');
    provisioner.failure = new StepFailed('apache', 'apache installed', 100, ['E: Unable to locate package apache2'], 'installing apache2');
    const created = (await call(`mutation ($input: CreateSiteInput!) { createSite(input: $input) { ${TASK} } }`, { input: { name, flavor: 'small' } })).createSite;
    const { task } = await finished(created.id).finally(() => (provisioner.failure = null));
    expect(task).toMatchObject({ state: 'FAILED', error: { code: 'PROVISIONING_FAILED', step: 'provision', message: expect.stringContaining('E: Unable to locate package apache2') } });
    expect(await call('query ($id: ID!) { site(id: $id) { state vmRef vhosts { id } } }', { id: created.siteId })).toEqual({ site: { state: 'FAILED', vmRef: null, vhosts: [] } });

    const deleted = (await call('mutation ($id: ID!) { deleteSite(id: $id) { id } }', { id: created.siteId })).deleteSite;
    expect((await finished(deleted.id)).task.state).toBe('SUCCEEDED');
    const again = (await call(`mutation ($input: CreateSiteInput!) { createSite(input: $input) { ${TASK} } }`, { input: { name, flavor: 'small' } })).createSite;
    expect((await finished(again.id)).task.state).toBe('SUCCEEDED');
    const recreated = await site(again.siteId);
    expect(recreated.vhosts).toMatchObject([{ serverName: recreated.serviceName }]);
  });

  it('refuses configuration changes to a stopped site', async () => {
    const { siteId, vhosts } = await runningSite('stopped');
    const stop = (await call('mutation ($id: ID!) { stopSite(id: $id, force: true) { id } }', { id: siteId })).stopSite;
    expect((await finished(stop.id)).task.state).toBe('SUCCEEDED');
    const refused = async (text: string, variables: Record<string, unknown>) => errorCodes((await graphql(instance.url, text, variables, TOKENS.alice)).body);
    expect(await refused('mutation ($id: ID!) { resyncSite(id: $id) { id } }', { id: siteId })).toEqual(['CONFLICT']);
    expect(await refused('mutation ($id: ID!) { installPackages(siteId: $id, packages: ["git"]) { id } }', { id: siteId })).toEqual(['CONFLICT']);
    expect(await refused('mutation ($id: ID!) { addVhost(siteId: $id, input: { serverName: "stopped.example.org" }) { task { id } } }', { id: siteId })).toEqual(['CONFLICT']);
    expect(await refused('mutation ($id: ID!) { requestCertificate(vhostId: $id) { id } }', { id: vhosts[0].id })).toEqual(['CONFLICT']);
    expect(await refused('mutation ($id: ID!) { changeDatabaseRootPassword(siteId: $id) { password } }', { id: siteId })).toEqual(['CONFLICT']);
    expect(await site(siteId)).toMatchObject({ packages: [], configurationQueued: false });
  });

  it('queues one more run for changes made while the site is being configured, and folds further changes into it', async () => {
    const { siteId, name, serviceName } = await runningSite('coalesce');
    const blog = `blog.${name}.hosting.example.org`;
    await activeDomainNames(instance.url, siteId, [blog]);
    const runsBefore = provisioner.runsFor(serviceName).length;
    const gate = provisioner.hold();
    const first = (await call(`mutation ($id: ID!) { resyncSite(id: $id) { ${TASK} } }`, { id: siteId })).resyncSite;
    await gate.entered;
    expect((await site(siteId)).configurationQueued).toBe(false);

    const install = (packages: string[]) => call(`mutation ($siteId: ID!, $packages: [String!]!) { installPackages(siteId: $siteId, packages: $packages) { ${TASK} } }`, { siteId, packages });
    // The first change queues a run; changes arriving at the same moment join it.
    const [{ installPackages: second }, ...others] = await Promise.all([install(['git']), ...Array.from({ length: 4 }, () => call(`mutation ($id: ID!) { resyncSite(id: $id) { id } }`, { id: siteId }))]);
    expect(others.map((other) => other.resyncSite.id)).toEqual(Array(4).fill(second.id));
    expect(second).toMatchObject({ kind: 'configureSite', state: 'QUEUED' });
    expect(second.id).not.toBe(first.id);
    expect((await site(siteId)).configurationQueued).toBe(true);
    // Further changes join the queued run, whatever they change.
    expect((await install(['php-fpm'])).installPackages.id).toBe(second.id);
    // Also when they arrive at once.
    const resyncs = await Promise.all(Array.from({ length: 5 }, () => call(`mutation ($id: ID!) { resyncSite(id: $id) { id } }`, { id: siteId })));
    expect(resyncs.map((resync) => resync.resyncSite.id)).toEqual(Array(5).fill(second.id));
    const vhost = (await call('mutation ($siteId: ID!, $input: AddVhostInput!) { addVhost(siteId: $siteId, input: $input) { task { id } } }', { siteId, input: { serverName: blog } })).addVhost;
    expect(vhost.task.id).toBe(second.id);

    gate.release();
    expect((await finished(first.id)).task.state).toBe('SUCCEEDED');
    expect((await finished(second.id)).task.state).toBe('SUCCEEDED');
    expect((await configureTasks(siteId)).map((task: { id: string }) => task.id).sort()).toEqual([first.id, second.id].sort());
    const runs = provisioner.runsFor(serviceName).slice(runsBefore);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toContainEqual({ role: 'packages', parameters: { install: ['git', 'php-fpm'], remove: [] } });
    expect(runs[1]!.some((role) => role.role === 'vhost' && role.parameters?.serverName === blog)).toBe(true);
    expect(await site(siteId)).toMatchObject({ packages: ['git', 'php-fpm'], configurationQueued: false });

    const removal = (await call(`mutation ($siteId: ID!) { removePackages(siteId: $siteId, packages: ["php-fpm"]) { ${TASK} } }`, { siteId })).removePackages;
    expect((await finished(removal.id)).task.state).toBe('SUCCEEDED');
    expect(provisioner.runsFor(serviceName).at(-1)).toContainEqual({ role: 'packages', parameters: { install: ['git'], remove: ['php-fpm'] } });
    expect((await site(siteId)).packages).toEqual(['git']);
    // Once removed, it is no longer mentioned.
    const resync = (await call(`mutation ($id: ID!) { resyncSite(id: $id) { id } }`, { id: siteId })).resyncSite;
    await finished(resync.id);
    expect(provisioner.runsFor(serviceName).at(-1)).toContainEqual({ role: 'packages', parameters: { install: ['git'], remove: [] } });
  });

  it('returns a new database root password once, and keeps it out of logs, events and the task', async () => {
    const { siteId, serviceName } = await runningSite('database');
    const { changeDatabaseRootPassword: change } = await call(`mutation ($siteId: ID!) { changeDatabaseRootPassword(siteId: $siteId) { password task { ${TASK} } } }`, { siteId });
    expect(change.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const { events, task } = await finished(change.task.id);
    expect(task).toMatchObject({ kind: 'changeDatabaseRootPassword', state: 'SUCCEEDED' });
    // It reached the VM…
    expect(provisioner.runsFor(serviceName).at(-1)).toEqual([{ role: 'database-root-password', parameters: { password: change.password } }]);
    // …and nowhere else.
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes(change.password))).toEqual([]);
    expect(JSON.stringify(events)).not.toContain(change.password);
    const stored = await call('query ($id: ID!) { task(id: $id) { steps { error } error { message } } taskEvents(taskId: $id, after: 0) { message } }', { id: change.task.id });
    expect(JSON.stringify(stored)).not.toContain(change.password);
    const second = (await call(`mutation ($siteId: ID!) { changeDatabaseRootPassword(siteId: $siteId) { password } }`, { siteId })).changeDatabaseRootPassword;
    expect(second.password).not.toBe(change.password);
  });
});
