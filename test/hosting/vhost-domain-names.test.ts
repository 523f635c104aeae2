import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRoles, ROLES, type Running } from '../../bin/start-roles.js';
import { createLogger } from '../../core/logger.js';
import { createCertificateIssuer } from '../../plugins/certificates/create-certificate-issuer.js';
import { activeDomainNames } from '../support/domain-names.js';
import { eventually } from '../support/eventually.js';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { configurationClient, TASK, unique } from './configuration-client.js';
import { GatedProvisioner } from './gated-provisioner.js';

const ADD = `mutation ($siteId: ID!, $input: AddVhostInput!) { addVhost(siteId: $siteId, input: $input) { vhost { id name serverName aliases } task { ${TASK} } } }`;
const SET = `mutation ($id: ID!, $input: VhostNamesInput!) { setVhostNames(vhostId: $id, input: $input) { vhost { id serverName aliases } task { ${TASK} } certificateTask { ${TASK} } } }`;
const REQUEST = 'mutation ($siteId: ID!, $name: String!) { requestDomainName(siteId: $siteId, name: $name) { state } }';
const REMOVE_DOMAIN = 'mutation ($name: String!) { removeDomainName(name: $name) { fqdn } }';
const VHOSTS = 'query ($id: ID!) { site(id: $id) { vhosts { id name serverName aliases state certificate { source coversNames } } } }';

type Input = { serverName: string; aliases?: string[] };

/** The configuration tests' client, with what these tests ask about vhosts and the sim's runs. */
function vhostClient(instance: () => Instance, provisioner: GatedProvisioner) {
  const client = configurationClient(instance);
  const add = (siteId: string, input: Input, token: string = TOKENS.alice) => graphql(instance().url, ADD, { siteId, input }, token);
  const setNames = (id: string, input: Input, token: string = TOKENS.alice) => graphql(instance().url, SET, { id, input }, token);
  const vhosts = async (siteId: string) => (await client.call(VHOSTS, { id: siteId })).site.vhosts;
  const vhostRole = (serviceName: string, name: string) => provisioner.runsFor(serviceName).at(-1)?.find((role) => role.role === 'vhost' && role.parameters?.name === name)?.parameters;
  /** A vhost on names made ACTIVE first, once its configuration run has put it on the VM. */
  const addedVhost = async (siteId: string, input: Input) => {
    await activeDomainNames(instance().url, siteId, [input.serverName, ...(input.aliases ?? [])]);
    const { body } = await add(siteId, input);
    expect(body.errors).toBeUndefined();
    expect((await client.finished(body.data!.addVhost.task.id)).task.state).toBe('SUCCEEDED');
    return body.data!.addVhost.vhost as { id: string; name: string };
  };
  /** The configureSite runs hosting queued by itself (not a person), succeeded. */
  const hostingRuns = async (siteId: string) =>
    (await client.tasksOf(siteId, 'configureSite')).filter((task: { requestedBy: string; state: string }) => task.requestedBy === 'service:hosting' && task.state === 'SUCCEEDED');
  return { ...client, add, setNames, vhosts, vhostRole, addedVhost, hostingRuns };
}

/** A vhost answers only on names the IP registry gives its own site: ACTIVE domain names, and its VMs' host names. */
describe("vhost names from the IP registry's domain names (sim)", () => {
  let instance: Instance;
  const provisioner = new GatedProvisioner();
  const client = vhostClient(() => instance, provisioner);
  const { add, setNames, vhosts, vhostRole, addedVhost, hostingRuns, finished, tasksOf, runningSite, call } = client;
  let owner: Awaited<ReturnType<typeof runningSite>>;
  let other: Awaited<ReturnType<typeof runningSite>>;
  let ownerHostName: string;
  /** A fresh name in the managed zone, unique to the test. */
  const fresh = (label: string) => `${unique(label)}.hosting.example.org`;

  beforeAll(async () => {
    instance = await startInstance({ overrides: { provisioner }, settings: { ipreg: { preallocate: { count: 0 } } } });
    [owner, other] = [await runningSite('shopowner'), await runningSite('neighbour')];
    ownerHostName = (await call('query ($id: ID!) { site(id: $id) { vm { hostName } } }', { id: owner.siteId })).site.vm.hostName;
    // Outside the managed zones: EXTERNAL until its TXT token is found.
    expect((await call(REQUEST, { siteId: owner.siteId, name: 'shop.example.net' })).requestDomainName.state).toBe('EXTERNAL');
  });
  afterAll(() => instance?.close());

  /** Nothing kept of a refused change: the site's vhosts and configuration runs are as they were. */
  const unchanged = async (siteId: string, change: () => Promise<void>) => {
    const [vhostsBefore, runsBefore] = [await vhosts(siteId), await tasksOf(siteId, 'configureSite')];
    await change();
    expect(await vhosts(siteId)).toEqual(vhostsBefore);
    expect(await tasksOf(siteId, 'configureSite')).toEqual(runsBefore);
  };

  it("refuses another site's domain names and host name with CONFLICT, writing nothing", async () => {
    await unchanged(other.siteId, async () => {
      for (const input of [{ serverName: 'shop.example.net' }, { serverName: fresh('fresh'), aliases: [ownerHostName] }]) {
        const { body } = await add(other.siteId, input);
        expect(errorCodes(body), JSON.stringify(input)).toEqual(['CONFLICT']);
        expect(body.errors![0]!.message).toContain('the IP registry gives another site');
      }
    });
  });

  it('refuses a name the site never asked for, saying to request it, and keeps nothing of the refusal', async () => {
    const name = fresh('unclaimed');
    await unchanged(owner.siteId, async () => {
      const { body } = await add(owner.siteId, { serverName: name });
      expect(body.errors?.[0]).toMatchObject({
        message: expect.stringContaining(`${name} is not a domain name of the site: ask for it with requestDomainName`),
        extensions: { code: 'DOMAIN_NAME_NOT_ACTIVE', field: 'serverName', domainNames: [{ name, state: null }] },
      });
    });
    // Once it is the site's, the same request succeeds: the refusal held no name.
    await activeDomainNames(instance.url, owner.siteId, [name]);
    const { body } = await add(owner.siteId, { serverName: name });
    expect(body.errors).toBeUndefined();
    expect((await finished(body.data!.addVhost.task.id)).task.state).toBe('SUCCEEDED');
  });

  it('refuses names still pending in the IP registry, saying what each waits for', async () => {
    const waiting = fresh('waiting');
    // Inside the managed zone, where alice's groups may not take names: a platform admin must approve it.
    expect((await call(REQUEST, { siteId: owner.siteId, name: waiting })).requestDomainName.state).toBe('AWAITING_APPROVAL');
    const main = fresh('main');
    await activeDomainNames(instance.url, owner.siteId, [main]);
    await unchanged(owner.siteId, async () => {
      const { body } = await add(owner.siteId, { serverName: main, aliases: ['shop.example.net', waiting] });
      expect(errorCodes(body)).toEqual(['DOMAIN_NAME_NOT_ACTIVE']);
      expect(body.errors![0]!.extensions).toMatchObject({ field: 'aliases', domainNames: [{ name: 'shop.example.net', state: 'EXTERNAL' }, { name: waiting, state: 'AWAITING_APPROVAL' }] });
      expect(body.errors![0]!.message).toContain('shop.example.net is EXTERNAL: publish its TXT token at _hostgraph.shop.example.net, then call verifyDomainName');
      expect(body.errors![0]!.message).toContain(`${waiting} is AWAITING_APPROVAL: a platform admin must approve it`);
    });
  });

  it("takes the site's ACTIVE domain names, and its VM's host name as an alias, and puts the vhost on the VM", async () => {
    const main = fresh('www');
    await activeDomainNames(instance.url, owner.siteId, [main]);
    const { body } = await add(owner.siteId, { serverName: main.toUpperCase() + '.', aliases: [ownerHostName] });
    expect(body.errors).toBeUndefined();
    const { vhost, task } = body.data!.addVhost;
    expect(vhost).toMatchObject({ serverName: main, aliases: [ownerHostName] });
    expect((await finished(task.id)).task.state).toBe('SUCCEEDED');
    expect(vhostRole(owner.serviceName, vhost.name)).toEqual({ name: vhost.name, serverName: main, aliases: [ownerHostName], tls: false });
  });

  it("refuses the site's service name to every other vhost, its own site's too: the default vhost answers on it", async () => {
    const main = fresh('beside');
    await activeDomainNames(instance.url, owner.siteId, [main]);
    const attempts: [string, Input][] = [[other.siteId, { serverName: owner.serviceName }], [owner.siteId, { serverName: main, aliases: [owner.serviceName] }]];
    for (const [siteId, input] of attempts) {
      const { body } = await add(siteId, input);
      expect(errorCodes(body), siteId).toEqual(['CONFLICT']);
    }
  });

  it('changes the main name and the aliases with setVhostNames, through a configuration run', async () => {
    const [first, second, third] = [fresh('first'), fresh('second'), fresh('third')];
    const vhost = await addedVhost(owner.siteId, { serverName: first, aliases: [second] });
    await activeDomainNames(instance.url, owner.siteId, [third]);
    const { body } = await setNames(vhost.id, { serverName: second, aliases: [first, third] });
    expect(body.errors).toBeUndefined();
    expect(body.data!.setVhostNames).toMatchObject({ vhost: { id: vhost.id, serverName: second, aliases: [first, third] }, task: { kind: 'configureSite' }, certificateTask: null });
    expect((await finished(body.data!.setVhostNames.task.id)).task.state).toBe('SUCCEEDED');
    expect(vhostRole(owner.serviceName, vhost.name)).toMatchObject({ serverName: second, aliases: [first, third] });
    // The name it no longer has is free for another vhost of the site.
    expect((await setNames(vhost.id, { serverName: second })).body.errors).toBeUndefined();
    expect((await add(owner.siteId, { serverName: third })).body.errors).toBeUndefined();
  });

  it('requests an issued certificate anew when the new names are not covered, and marks an uploaded one that no longer covers them', async () => {
    const [main, added] = [fresh('tls'), fresh('tls-more')];
    const vhost = await addedVhost(owner.siteId, { serverName: main });
    const requested = (await call(`mutation ($id: ID!) { requestCertificate(vhostId: $id) { ${TASK} } }`, { id: vhost.id })).requestCertificate;
    expect((await finished(requested.id)).task.state).toBe('SUCCEEDED');
    await activeDomainNames(instance.url, owner.siteId, [added]);
    const renamed = (await setNames(vhost.id, { serverName: main, aliases: [added] })).body.data!.setVhostNames;
    expect(renamed.certificateTask).toMatchObject({ kind: 'requestCertificate', siteId: owner.siteId });
    expect((await finished(renamed.task.id)).task.state).toBe('SUCCEEDED');
    expect((await finished(renamed.certificateTask.id)).task.state).toBe('SUCCEEDED');
    const tls = provisioner.runsFor(owner.serviceName).at(-1)!.find((role) => role.role === 'tls-certificate' && role.parameters?.name === vhost.name);
    expect(new X509Certificate(String(tls?.parameters?.certificateChain)).subjectAltName).toBe(`DNS:${main}, DNS:${added}`);
    expect((await vhosts(owner.siteId)).find((row: { id: string }) => row.id === vhost.id).certificate).toEqual({ source: 'ISSUED', coversNames: true });

    // An uploaded certificate is the site's to replace: it stays, and says it no longer covers every name.
    const issuer = createCertificateIssuer(instance.config.certificates, { dataDir: instance.config.dataDir });
    const own = await issuer.issue([main, added]).finally(() => issuer.close());
    const upload = 'mutation ($id: ID!, $certificate: String!, $privateKey: String!, $chain: String) { uploadCertificate(vhostId: $id, certificate: $certificate, privateKey: $privateKey, chain: $chain) { id } }';
    const uploaded = (await call(upload, { id: vhost.id, certificate: own.certificate, privateKey: own.privateKey, chain: own.chain })).uploadCertificate;
    expect((await finished(uploaded.id)).task.state).toBe('SUCCEEDED');
    const third = fresh('tls-third');
    await activeDomainNames(instance.url, owner.siteId, [third]);
    const uncovered = (await setNames(vhost.id, { serverName: main, aliases: [added, third] })).body.data!.setVhostNames;
    expect(uncovered.certificateTask).toBeNull();
    expect((await finished(uncovered.task.id)).task.state).toBe('SUCCEEDED');
    expect((await vhosts(owner.siteId)).find((row: { id: string }) => row.id === vhost.id).certificate).toEqual({ source: 'UPLOADED', coversNames: false });
  });

  it('refuses bad names and unknown vhosts with codes, writing nothing', async () => {
    const [main, alias] = [fresh('kept'), fresh('kept-alias')];
    const vhost = await addedVhost(owner.siteId, { serverName: main, aliases: [alias] });
    const neighbours = await addedVhost(owner.siteId, { serverName: fresh('neighbours') });
    const theirs = (await vhosts(owner.siteId)).find((row: { id: string }) => row.id === neighbours.id).serverName;
    const defaultVhost = (await vhosts(owner.siteId)).find((row: { name: string }) => row.name === 'default');
    const attempts: [string, Input, string, string?][] = [
      [vhost.id, { serverName: 'not a name' }, 'BAD_USER_INPUT'],
      [vhost.id, { serverName: main, aliases: ['bad_alias!'] }, 'BAD_USER_INPUT'],
      [vhost.id, { serverName: main, aliases: [`*.${main}`] }, 'BAD_USER_INPUT'],
      [vhost.id, { serverName: main, aliases: [main] }, 'BAD_USER_INPUT'],
      [vhost.id, { serverName: main, aliases: [alias, alias.toUpperCase()] }, 'BAD_USER_INPUT'],
      [vhost.id, { serverName: owner.serviceName }, 'CONFLICT'],
      [vhost.id, { serverName: main, aliases: [theirs] }, 'CONFLICT'],
      [vhost.id, { serverName: fresh('nobodys') }, 'DOMAIN_NAME_NOT_ACTIVE'],
      [vhost.id, { serverName: main }, 'FORBIDDEN', TOKENS.bob],
      [defaultVhost.id, { serverName: main }, 'CONFLICT'],
      ['00000000-0000-4000-8000-000000000000', { serverName: main }, 'NOT_FOUND'],
      ['not-an-id', { serverName: main }, 'BAD_USER_INPUT'],
    ];
    await unchanged(owner.siteId, async () => {
      for (const [id, input, code, token] of attempts) expect(errorCodes((await setNames(id, input, token)).body), JSON.stringify(input)).toEqual([code]);
      // addVhost checks the same way.
      expect(errorCodes((await add(owner.siteId, { serverName: alias, aliases: [alias] })).body)).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes((await add(owner.siteId, { serverName: 'Not_A_Name..' })).body)).toEqual(['BAD_USER_INPUT']);
    });
  });

  it('follows removeDomainName: the name leaves the vhost, the first alias becomes its main name, and a vhost left with none goes', async () => {
    const [main, alias] = [fresh('leaving'), fresh('staying')];
    const vhost = await addedVhost(owner.siteId, { serverName: main, aliases: [alias] });
    const runsBefore = (await hostingRuns(owner.siteId)).length;
    expect((await call(REMOVE_DOMAIN, { name: main })).removeDomainName.fqdn).toBe(main);
    await eventually(async () => expect((await vhosts(owner.siteId)).find((row: { id: string }) => row.id === vhost.id)).toMatchObject({ serverName: alias, aliases: [] }), { timeoutMs: 15_000 });
    await eventually(async () => expect((await hostingRuns(owner.siteId)).length).toBeGreaterThan(runsBefore), { timeoutMs: 15_000 });
    expect(vhostRole(owner.serviceName, vhost.name)).toMatchObject({ serverName: alias, aliases: [] });
    // The name is free: another site may have it now.
    await activeDomainNames(instance.url, other.siteId, [main]);
    expect((await add(other.siteId, { serverName: main })).body.errors).toBeUndefined();

    await call(REMOVE_DOMAIN, { name: alias });
    await eventually(async () => expect((await vhosts(owner.siteId)).map((row: { id: string }) => row.id)).not.toContain(vhost.id), { timeoutMs: 15_000 });
    expect(provisioner.runsFor(owner.serviceName).at(-1)).toContainEqual({ role: 'vhost-removed', parameters: { name: vhost.name } });
  });
});

/**
 * The scheduler in a role of its own, hearing ipreg over Redis; a removal it did not hear (it was
 * down) is caught up by the reconciliation it runs when it starts.
 */
describe('vhost names follow ipreg across processes (Redis bus)', () => {
  let api: Instance;
  let scheduler: Running | null = null;
  const provisioner = new GatedProvisioner();
  const { addedVhost, vhosts, vhostRole, runningSite, call } = vhostClient(() => api, provisioner);
  const startScheduler = async () => (scheduler = await startRoles(api.config, ['scheduler'], createLogger(api.config.logLevel)));

  beforeAll(async () => {
    api = await startInstance({
      redisUrl: inject('redisUrl'),
      roles: ROLES.filter((role) => role !== 'scheduler'),
      overrides: { provisioner },
      settings: { ipreg: { preallocate: { count: 0 } }, provisioning: { vhostNamesReconcileSchedule: '0 0 0 1 1 *' } },
    });
    await startScheduler();
  });
  afterAll(async () => {
    await scheduler?.close();
    await api?.close();
  });

  it('takes a removed name off the vhost when the announcement comes over Redis, and catches up one it missed', async () => {
    const site = await runningSite('apart');
    const [main, alias] = [`${unique('heard')}.hosting.example.org`, `${unique('missed')}.hosting.example.org`];
    const vhost = await addedVhost(site.siteId, { serverName: main, aliases: [alias] });
    const current = async () => (await vhosts(site.siteId)).find((row: { id: string }) => row.id === vhost.id);

    await call(REMOVE_DOMAIN, { name: main });
    await eventually(async () => expect(await current()).toMatchObject({ serverName: alias, aliases: [] }), { timeoutMs: 15_000 });

    // Nobody listens while the scheduler is down: the announcement is lost, the reconciliation at its start is not.
    await scheduler!.close();
    scheduler = null;
    await call(REMOVE_DOMAIN, { name: alias });
    expect(await current()).toMatchObject({ serverName: alias });
    await startScheduler();
    await eventually(async () => expect(await current()).toBeUndefined(), { timeoutMs: 15_000 });
    expect(provisioner.runsFor(site.serviceName).at(-1)).toContainEqual({ role: 'vhost-removed', parameters: { name: vhost.name } });
    expect(vhostRole(site.serviceName, vhost.name)).toBeUndefined();
  });
});
