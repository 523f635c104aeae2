import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsPublisher } from '../../plugins/dns/create-dns-publisher.js';
import { createSite, deleteSite } from '../inventory/inventory-fixture.js';
import { type BindServer, startBind } from '../support/bind-server.js';
import { eventually } from '../support/eventually.js';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

const EXTERNAL_ZONE = 'external.test';
const DIRECTORY = `users:
  - { username: alice, displayName: Alice, mail: alice@example.org, uidNumber: 20001, gidNumber: 20000 }
  - { username: bob, displayName: Bob, mail: bob@example.org, uidNumber: 20002, gidNumber: 20000 }
groups:
  - { id: physics, name: Physics, members: [alice] }
`;
const DOMAIN = 'fqdn state verificationToken verificationName requestedBy site { id }';
const REQUEST = `mutation ($siteId: ID!, $name: String!) { requestDomainName(siteId: $siteId, name: $name) { ${DOMAIN} } }`;
const VERIFY = `mutation ($name: String!) { verifyDomainName(name: $name) { ${DOMAIN} } }`;

describe('domain names on sites', () => {
  let bind: BindServer;
  let instance: Instance;
  let siteId: string;
  let serviceName: string;
  const zoneFile = () => readFileSync(join(instance.config.dataDir, 'zones', 'hosting.example.org.zone'), 'utf8');
  const domainNames = async () => (await query(instance.url, 'query ($id: ID!) { site(id: $id) { domainNames { fqdn state } } }', { id: siteId }, TOKENS.alice)).site.domainNames;

  beforeAll(async () => {
    // Stands for the world's DNS, where owners of outside names publish their tokens.
    bind = await startBind({ zones: [EXTERNAL_ZONE] });
    instance = await startInstance({
      directory: DIRECTORY,
      settings: {
        ipreg: { preallocate: { count: 0 }, zoneGroups: { 'physics.hosting.example.org': ['physics'] }, verificationResolvers: [`127.0.0.1:${bind.port}`] },
      },
    });
    const site = await createSite(instance.url, 'lab');
    expect((await site.finished()).state).toBe('SUCCEEDED');
    siteId = site.siteId;
    serviceName = (await query(instance.url, 'query ($id: ID!) { site(id: $id) { serviceName } }', { id: siteId }, TOKENS.alice)).site.serviceName;
  });
  afterAll(async () => {
    await instance?.close();
    await bind?.stop();
  });

  it('accepts names in the part of a managed zone the requester’s group has, and points them at the service name', async () => {
    const { requestDomainName } = await query(instance.url, REQUEST, { siteId, name: 'WWW.physics.hosting.example.org.' }, TOKENS.alice);
    expect(requestDomainName).toMatchObject({ fqdn: 'www.physics.hosting.example.org', state: 'ACTIVE', verificationToken: null, requestedBy: 'alice', site: { id: siteId } });
    expect(zoneFile()).toContain(`www.physics.hosting.example.org. 300 IN CNAME ${serviceName}.`);
    // Internationalised names are stored in punycode.
    const idn = (await query(instance.url, REQUEST, { siteId, name: 'Bücher.physics.hosting.example.org' }, TOKENS.alice)).requestDomainName;
    expect(idn).toMatchObject({ fqdn: 'xn--bcher-kva.physics.hosting.example.org', state: 'ACTIVE' });
    expect(zoneFile()).toContain(`xn--bcher-kva.physics.hosting.example.org. 300 IN CNAME ${serviceName}.`);
  });

  it('holds names elsewhere in a managed zone for a platform admin, and publishes them once approved', async () => {
    const waiting = (await query(instance.url, REQUEST, { siteId, name: 'blog.hosting.example.org' }, TOKENS.alice)).requestDomainName;
    expect(waiting.state).toBe('AWAITING_APPROVAL');
    expect(zoneFile()).not.toContain('blog.hosting.example.org.');
    const approve = 'mutation ($name: String!) { approveDomainName(name: $name) { fqdn state } }';
    expect(errorCodes((await graphql(instance.url, approve, { name: 'blog.hosting.example.org' }, TOKENS.alice)).body)).toEqual(['FORBIDDEN']);
    expect((await query(instance.url, approve, { name: 'blog.hosting.example.org' }, TOKENS.admin)).approveDomainName.state).toBe('ACTIVE');
    expect(zoneFile()).toContain(`blog.hosting.example.org. 300 IN CNAME ${serviceName}.`);
  });

  it('gives a zone apex, which cannot have a CNAME, the service addresses instead', async () => {
    const { site } = await query(instance.url, 'query ($id: ID!) { site(id: $id) { serviceAddresses } }', { id: siteId }, TOKENS.alice);
    expect((await query(instance.url, REQUEST, { siteId, name: 'hosting.example.org' }, TOKENS.admin)).requestDomainName.state).toBe('ACTIVE');
    const apex = (type: string) => zoneFile().split('\n').filter((line) => line.startsWith(`hosting.example.org. 300 IN ${type} `));
    expect(apex('A')).toEqual([`hosting.example.org. 300 IN A ${site.serviceAddresses[0]}`]);
    expect(apex('AAAA')).toEqual([`hosting.example.org. 300 IN AAAA ${site.serviceAddresses[1]}`]);
    expect(apex('CNAME')).toEqual([]);
    await query(instance.url, 'mutation { removeDomainName(name: "hosting.example.org") { fqdn } }', {}, TOKENS.admin);
    expect(apex('A')).toEqual([]);
  });

  it('makes names outside the managed zones prove control with a TXT token found in DNS', async () => {
    const external = (await query(instance.url, REQUEST, { siteId, name: 'www.external.test' }, TOKENS.alice)).requestDomainName;
    expect(external).toMatchObject({ state: 'EXTERNAL', verificationName: '_hostgraph.www.external.test', verificationToken: expect.stringMatching(/^hostgraph-verify=[0-9a-f]{32}$/) });
    const early = await graphql(instance.url, VERIFY, { name: 'www.external.test' }, TOKENS.alice);
    expect(errorCodes(early.body)).toEqual(['CONFLICT']);
    expect(early.body.errors![0]!.message).toMatch(/No TXT record at _hostgraph\.www\.external\.test holds/);

    // The owner publishes the token in their own zone.
    const owner = createDnsPublisher({ kind: 'rfc2136', server: bind.host, port: bind.port, keyName: bind.keys.sha256.name, keySecret: bind.keys.sha256.secret, zones: [EXTERNAL_ZONE] });
    await owner.apply([{ action: 'add', record: { name: external.verificationName, type: 'TXT', ttl: 60, value: [external.verificationToken] } }]);
    await owner.close();
    const verified = await eventually(async () => (await query(instance.url, VERIFY, { name: 'www.external.test' }, TOKENS.alice)).verifyDomainName, { timeoutMs: 30_000, intervalMs: 200 });
    expect(verified).toMatchObject({ fqdn: 'www.external.test', state: 'ACTIVE', verificationToken: null });
    // Its records are its owner's to set: nothing is written into the managed zones.
    expect(zoneFile()).not.toContain('external.test');
  });

  it('refuses invalid names, wildcards, names in use and other people’s sites, storing nothing', async () => {
    const before = await domainNames();
    const bobs = await createSite(instance.url, 'bobs', 'small', TOKENS.bob);
    await bobs.finished();
    const attempts: [string, string, string?][] = [
      ['*.physics.hosting.example.org', 'BAD_USER_INPUT'],
      ['www..physics.hosting.example.org', 'BAD_USER_INPUT'],
      [`${'a'.repeat(64)}.physics.hosting.example.org`, 'BAD_USER_INPUT'],
      ['under_score.physics.hosting.example.org', 'BAD_USER_INPUT'],
      ['-lead.physics.hosting.example.org', 'BAD_USER_INPUT'],
      [`${'abcdefghi.'.repeat(26)}org`, 'BAD_USER_INPUT'],
      ['localhost', 'BAD_USER_INPUT'],
      ['10.1.2.3', 'BAD_USER_INPUT'],
      ['1.2.0.192.in-addr.arpa', 'BAD_USER_INPUT'],
      [serviceName, 'CONFLICT'],
      ['www.physics.hosting.example.org', 'CONFLICT'],
      ['www.physics.hosting.example.org', 'CONFLICT', bobs.siteId],
      ['other.physics.hosting.example.org', 'FORBIDDEN', siteId],
    ];
    for (const [name, code, site] of attempts) {
      const token = site ? TOKENS.bob : TOKENS.alice;
      const response = await graphql(instance.url, REQUEST, { siteId: site ?? siteId, name }, token);
      expect(errorCodes(response.body), name).toEqual([code]);
    }
    expect(await domainNames()).toEqual(before);
  });

  it('withdraws a removed name, and frees a deleted site’s names with their records', async () => {
    await query(instance.url, 'mutation { removeDomainName(name: "blog.hosting.example.org") { fqdn } }', {}, TOKENS.alice);
    expect(zoneFile()).not.toContain('blog.hosting.example.org.');
    expect(await deleteSite(instance.url, siteId)).toMatchObject({ state: 'SUCCEEDED' });
    expect(zoneFile()).not.toContain('physics.hosting.example.org');
    // Free for another site now.
    const again = await createSite(instance.url, 'lab2');
    await again.finished();
    expect((await query(instance.url, REQUEST, { siteId: again.siteId, name: 'www.physics.hosting.example.org' }, TOKENS.alice)).requestDomainName.state).toBe('ACTIVE');
  });
});
