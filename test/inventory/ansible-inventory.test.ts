import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleQuery, toInventoryVms } from '../../gateway/ansible-inventory-route.js';
import { ansibleInventory } from '../../subgraphs/inventory/ansible/ansible-inventory.js';
import { ensureInstalled } from '../support/servers.js';
import { query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createSite } from './inventory-fixture.js';

const run = promisify(execFile);

describe('the Ansible dynamic inventory', () => {
  let instance: Instance;
  let origin: string;
  let scratch: string;
  let script: string;
  /** Ansible's name of each site's VM: its host name from the IP registry. */
  const vmNames: Record<string, string> = {};
  const hypervisorNames: Record<string, string> = {};
  const hostAddresses: Record<string, string[]> = {};

  beforeAll(async () => {
    ensureInstalled('/usr/bin/ansible-inventory', 'ansible');
    instance = await startInstance();
    origin = new URL(instance.url).origin;
    for (const [name, flavor, token] of [['blog', 'small', TOKENS.alice], ['wiki', 'medium', TOKENS.alice], ['shop', 'small', TOKENS.bob]] as const) {
      const site = await createSite(instance.url, name, flavor, token);
      expect((await site.finished()).state).toBe('SUCCEEDED');
      const { vm } = (await query(instance.url, 'query ($id: ID!) { site(id: $id) { vm { name hostName addresses } } }', { id: site.siteId }, token)).site;
      vmNames[name] = vm.hostName;
      hypervisorNames[name] = vm.name;
      hostAddresses[name] = vm.addresses;
    }
    // Power states come from what the hypervisor last said.
    expect((await query(instance.url, 'mutation { reconcile { completed } }', {}, TOKENS.admin)).reconcile.completed).toBe(true);
    // The inventory script Ansible runs: `hostgraph inventory`, on this project's Node.
    scratch = mkdtempSync(join(tmpdir(), 'hostgraph-ansible-'));
    script = join(scratch, 'hostgraph-inventory');
    writeFileSync(script, `#!/bin/sh\ncd "${resolve('.')}" && exec "${process.execPath}" --import tsx bin/hostgraph.ts inventory "$@"\n`);
    chmodSync(script, 0o755);
  });
  afterAll(async () => {
    await instance?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const scriptEnv = (token: string) => ({
    ...process.env,
    HOSTGRAPH_URL: origin,
    HOSTGRAPH_TOKEN: token,
    HOSTGRAPH_DATA_DIR: join(scratch, 'data'),
    HOSTGRAPH_CONFIG: '',
    ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True',
    ANSIBLE_LOCAL_TEMP: join(scratch, 'ansible-tmp'),
    ANSIBLE_HOME: join(scratch, 'ansible-home'),
  });

  it('is what ansible-inventory --list reads: groups, children and every host’s variables', async () => {
    const { stdout } = await run('ansible-inventory', ['-i', script, '--list'], { env: scriptEnv(TOKENS.admin), cwd: scratch, timeout: 120_000 });
    const inventory = JSON.parse(stdout);
    const blog = vmNames.blog!;
    expect(Object.keys(inventory._meta.hostvars).sort()).toEqual(Object.values(vmNames).sort());
    expect(inventory._meta.hostvars[blog]).toMatchObject({
      hostgraph_site: 'blog',
      hostgraph_flavor: 'small',
      hostgraph_service: 'production',
      hostgraph_hypervisor: 'sim-1',
      hostgraph_vm_name: hypervisorNames.blog,
      hostgraph_power_state: 'running',
      hostgraph_host_name: blog,
      ansible_host: hostAddresses.blog![0],
      hostgraph_addresses: hostAddresses.blog,
    });
    expect(inventory._meta.hostvars[vmNames.wiki!]).toMatchObject({ hostgraph_site: 'wiki', hostgraph_flavor: 'medium' });
    expect(inventory.site_blog.hosts).toEqual([blog]);
    expect(inventory.flavor_small.hosts.sort()).toEqual([blog, vmNames.shop].sort());
    expect(inventory.production.hosts).toHaveLength(3);
    expect(inventory.hypervisor_sim_1.hosts).toHaveLength(3);
    expect(inventory.all.children).toEqual(expect.arrayContaining(['sites', 'flavors', 'hypervisors', 'services']));
    expect(inventory.services.children).toEqual(expect.arrayContaining(['production']));
    expect(inventory.sites.children).toEqual(['site_blog', 'site_shop', 'site_wiki']);
  });

  it('answers ansible’s --host with that host’s variables', async () => {
    const { stdout } = await run(script, ['--host', vmNames.shop!], { env: scriptEnv(TOKENS.admin), cwd: scratch, timeout: 60_000 });
    expect(JSON.parse(stdout)).toMatchObject({ hostgraph_site: 'shop', hostgraph_hypervisor: 'sim-1' });
  });

  it('shows each caller only the VMs they may see, and nobody without a token', async () => {
    const asAlice = await fetch(`${origin}/inventory/ansible`, { headers: { authorization: `Bearer ${TOKENS.alice}` } }).then((r) => r.json());
    expect(Object.keys(asAlice._meta.hostvars).sort()).toEqual([vmNames.blog, vmNames.wiki].sort());
    expect(asAlice.site_shop).toBeUndefined();
    const anonymous = await fetch(`${origin}/inventory/ansible`);
    expect(anonymous.status).toBe(401);
    const wrongToken = await fetch(`${origin}/inventory/ansible`, { headers: { authorization: 'Bearer nope' } });
    expect(wrongToken.status).toBe(401);
    await expect(run(script, ['--list'], { env: scriptEnv('nope'), cwd: scratch })).rejects.toMatchObject({ stderr: expect.stringContaining('answered 401') });
  });

  describe('with names and addresses from the graph', () => {
    // The shape an IP registry composed into the supergraph could give hosting's types.
    const schema = buildSchema(`
      type Query { sites(first: Int, after: String): SiteConnection }
      type SiteConnection { edges: [SiteEdge] }
      type SiteEdge { node: Site }
      type Name { fqdn: String! kind: String }
      type Address { address: String! family: Int }
      type Site { id: ID! name: String! serviceName: Name serviceAddresses: [Address!]! }
      type Vm { id: ID! name: String! hostName: Name addresses: [Address!]! }
    `);

    it('asks for them only when the supergraph has them', () => {
      const withNames = ansibleQuery(schema);
      expect(withNames).toContain('hostName: hostName { fqdn }');
      expect(withNames).toContain('addresses: addresses { address }');
      expect(withNames).toContain('serviceName: serviceName { fqdn }');
      expect(withNames).toContain('serviceAddresses: serviceAddresses { address }');
      const without = ansibleQuery(buildSchema('type Query { a: Int } type Site { id: ID! } type Vm { id: ID! }'));
      expect(without).not.toMatch(/hostName:|addresses|serviceName/);
    });

    it('names hosts by their host name, with the VM’s IPv4 address as ansible_host', () => {
      const vms = toInventoryVms([
        {
          id: 's1',
          name: 'blog',
          state: 'RUNNING',
          flavor: { name: 'small' },
          serviceName: { fqdn: 'blog.sites.example.org' },
          serviceAddresses: [{ address: '192.0.2.10' }, { address: '2001:db8::10' }],
          vms: [{ id: 'v1', name: 'blog-1234abcd', role: 'PRODUCTION', hostName: { fqdn: 'h-17.hosts.example.org' }, addresses: [{ address: '2001:db8::17' }, { address: '192.0.2.17' }], placement: { hostName: 'kvm1', powerState: 'running' } }],
        },
      ]);
      const inventory = ansibleInventory(vms);
      expect(inventory._meta.hostvars['h-17.hosts.example.org']).toMatchObject({
        ansible_host: '192.0.2.17',
        hostgraph_host_name: 'h-17.hosts.example.org',
        hostgraph_service_name: 'blog.sites.example.org',
        hostgraph_addresses: ['2001:db8::17', '192.0.2.17'],
        hostgraph_service_addresses: ['192.0.2.10', '2001:db8::10'],
        hostgraph_hypervisor: 'kvm1',
      });
      expect(inventory.site_blog).toEqual({ hosts: ['h-17.hosts.example.org'], vars: { hostgraph_site: 'blog', hostgraph_site_id: 's1', hostgraph_service_name: 'blog.sites.example.org' } });
    });
  });
});
