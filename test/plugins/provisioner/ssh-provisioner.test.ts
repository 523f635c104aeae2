import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fatal, Transient } from '../../../plugins/plugin-errors.js';
import type { ProvisionEvent, RoleApplication } from '../../../plugins/provisioner/provisioner.js';
import { StepFailed } from '../../../plugins/provisioner/step-failed.js';
import { generateHostKeys } from '../../../subgraphs/ipreg/host-keys/generate-host-keys.js';
import { freePort } from '../../support/free-port.js';
import { type SshdServer, startSshd } from '../../support/sshd-server.js';
import { personKey, sshProvisioner, targetOf, TEST_ROLES, TestRoot } from './test-host.js';

let sshd: SshdServer;
const roots: TestRoot[] = [];
const newRoot = () => {
  const root = new TestRoot();
  roots.push(root);
  return root;
};

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
  for (const root of roots) root.remove();
});

const ada = { name: 'ada', uid: 20001, sshKeys: [personKey('ada@laptop'), personKey('ada@desktop')] };
const grace = { name: 'grace', uid: 20002, sshKeys: [personKey('grace@laptop')] };

const createSiteRoles = (users = [ada, grace]): RoleApplication[] => [
  { role: 'base', parameters: { serviceName: 'blog.hosting.test' } },
  { role: 'site-users', parameters: { users } },
  { role: 'apache' },
  { role: 'vhost', parameters: { name: 'default', serverName: 'blog.hosting.test', aliases: ['www.blog.hosting.test'] } },
];

const outcomes = (report: { steps: { role: string; step: string; outcome: string }[] }) => report.steps.map((step) => `${step.role}: ${step.step}: ${step.outcome}`);
const mode = (root: TestRoot, path: string) => (statSync(join(root.path, path)).mode & 0o7777).toString(8);

// Every step is a channel, and each channel starts root's login shell: slow on a loaded machine.
describe('ssh provisioner against a real sshd, writing under a test root', { timeout: 240_000 }, () => {
  it('provisions a site over one connection, then finds nothing to change', async () => {
    const root = newRoot();
    const provisioner = sshProvisioner(sshd, root);
    const events: ProvisionEvent[] = [];
    const first = await provisioner.run(targetOf(sshd), createSiteRoles(), { onEvent: (event) => events.push(event) });

    expect(first.connections).toBe(1);
    expect(outcomes(first)).toEqual([
      'hostgraph: /var/lib/hostgraph/bin/apache2ctl: changed',
      'hostgraph: /var/lib/hostgraph/bin/hostgraph-system: changed',
      'base: operator packages: changed',
      'base: automatic security updates: changed',
      'base: message of the day: changed',
      'base: sshd running: changed',
      'site-users: site users: changed',
      'apache: apache installed: changed',
      // Debian's placeholder site was not there to begin with.
      'apache: placeholder site disabled: unchanged',
      'apache: mod_socache_shmcb enabled: changed',
      'apache: mod_ssl enabled: changed',
      'apache: mod_ssl configured: changed',
      'apache: apache running: changed',
      'apache: apache configuration valid: changed',
      'apache: apache reloaded: changed',
      'vhost: document root of default: changed',
      'vhost: vhost default configured: changed',
      'vhost: vhost default enabled: changed',
      'vhost: apache configuration valid: changed',
      'vhost: apache reloaded: changed',
    ]);
    expect(root.read('etc/apache2/sites-available/hostgraph-default.conf')).toContain('ServerName blog.hosting.test\n    ServerAlias www.blog.hosting.test\n');
    expect(root.read('etc/motd')).toContain('blog.hosting.test: a site managed by Hostgraph');
    expect(root.lines('var/lib/ledger/packages')).toEqual(['ca-certificates', 'sudo', 'rsync', 'unattended-upgrades', 'apache2']);
    expect(root.lines('var/lib/ledger/services').sort()).toEqual(['apache2 active', 'apache2 enabled', 'ssh active', 'ssh enabled']);
    expect(root.systemCalls()).toContain('apache2ctl configtest');
    expect(root.systemCalls().at(-1)).toBe('service reload apache2');
    expect(events.filter((event) => event.type === 'output').map((event) => event.type === 'output' && event.line)).toContain('Setting up apache2 ...');

    const callsBefore = root.systemCalls().length;
    const second = await provisioner.run(targetOf(sshd), createSiteRoles());
    expect(second.changed).toBe(0);
    expect(outcomes(second)).toEqual(outcomes(first).map((line) => line.replace(/(un)?changed$/, /configuration valid|reloaded/.test(line) ? 'skipped' : 'unchanged')));
    // Only questions were asked the second time.
    expect(root.systemCalls().slice(callsBefore).every((call) => / status /.test(` ${call} `))).toBe(true);
  });

  it('creates site users with their uid and exactly their keys, and follows the directory when they change', async () => {
    const root = newRoot();
    const provisioner = sshProvisioner(sshd, root);
    await provisioner.run(targetOf(sshd), [{ role: 'site-users', parameters: { users: [ada, grace] } }]);

    const passwd = root.lines('etc/passwd').map((line) => line.split(':'));
    expect(passwd.find((fields) => fields[0] === 'ada')?.slice(2, 3)).toEqual(['20001']);
    expect(root.lines('etc/group').find((line) => line.startsWith('hostgraph-users:'))?.split(':')[3]).toBe('ada,grace');
    // '*', not useradd's locking '!': sshd refuses keys for a locked account.
    expect(root.lines('etc/shadow').find((line) => line.startsWith('ada:'))?.split(':')[1]).toBe('*');
    expect(root.lines('home/ada/.ssh/authorized_keys').filter((line) => !line.startsWith('#'))).toEqual(ada.sshKeys);
    expect(mode(root, 'home/ada/.ssh/authorized_keys')).toBe('600');
    expect(mode(root, 'home/ada/.ssh')).toBe('700');
    expect(statSync(join(root.path, 'home/ada/.ssh/authorized_keys')).uid).toBe(20001);

    // Ada dropped a key and Grace left the directory.
    const adaNow = { ...ada, sshKeys: [ada.sshKeys[1]] };
    const refresh = await provisioner.run(targetOf(sshd), [{ role: 'site-users', parameters: { users: [adaNow] } }]);
    expect(refresh.changed).toBe(1);
    expect(root.lines('home/ada/.ssh/authorized_keys').filter((line) => !line.startsWith('#'))).toEqual([ada.sshKeys[1]]);
    expect(root.lines('etc/passwd').some((line) => line.startsWith('grace:'))).toBe(false);
    expect(root.lines('etc/group').find((line) => line.startsWith('hostgraph-users:'))?.split(':')[3]).toBe('ada');
    expect((await provisioner.run(targetOf(sshd), [{ role: 'site-users', parameters: { users: [adaNow] } }])).changed).toBe(0);

    // A uid that changed in the directory is changed on the VM, home included.
    await provisioner.run(targetOf(sshd), [{ role: 'site-users', parameters: { users: [{ ...adaNow, uid: 20011 }] } }]);
    expect(root.lines('etc/passwd').find((line) => line.startsWith('ada:'))?.split(':')[2]).toBe('20011');
    expect(statSync(join(root.path, 'home/ada')).uid).toBe(20011);
  });

  it('installs a certificate before a TLS vhost, and the configuration check catches the wrong order', async () => {
    const root = newRoot();
    const provisioner = sshProvisioner(sshd, root);
    await provisioner.run(targetOf(sshd), createSiteRoles());
    const tlsVhost = { role: 'vhost', parameters: { name: 'shop', serverName: 'shop.hosting.test', tls: true } };

    const wrongOrder = await provisioner.run(targetOf(sshd), [tlsVhost]).catch((error: unknown) => error);
    expect(wrongOrder).toBeInstanceOf(StepFailed);
    expect((wrongOrder as StepFailed).step).toBe('apache configuration valid');
    expect((wrongOrder as StepFailed).message).toContain("SSLCertificateFile: file '/etc/hostgraph/tls/shop/fullchain.pem' does not exist");

    const chain = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const key = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
    const report = await provisioner.run(targetOf(sshd), [{ role: 'tls-certificate', parameters: { name: 'shop', certificateChain: chain, privateKey: key } }, tlsVhost]);
    expect(root.read('etc/hostgraph/tls/shop/fullchain.pem')).toBe(chain);
    expect(mode(root, 'etc/hostgraph/tls/shop/privkey.pem')).toBe('600');
    expect(mode(root, 'etc/hostgraph/tls/shop')).toBe('700');
    expect(root.read('etc/apache2/sites-available/hostgraph-shop.conf')).toContain('SSLCertificateKeyFile /etc/hostgraph/tls/shop/privkey.pem');
    // One reload covers both roles: the vhost's notification, pending since the failed run, is cleared with the certificate's.
    expect(outcomes(report).slice(-7)).toEqual([
      'tls-certificate: apache configuration valid: changed',
      'tls-certificate: apache reloaded: changed',
      'vhost: document root of shop: unchanged',
      'vhost: vhost shop configured: unchanged',
      'vhost: vhost shop enabled: unchanged',
      'vhost: apache configuration valid: skipped',
      'vhost: apache reloaded: skipped',
    ]);

    const removed = await provisioner.run(targetOf(sshd), [{ role: 'vhost-removed', parameters: { name: 'shop' } }]);
    expect(removed.changed).toBeGreaterThan(0);
    expect(root.lines('etc/apache2/sites-enabled/hostgraph-shop.conf')).toEqual([]);
    expect((await provisioner.run(targetOf(sshd), [{ role: 'vhost-removed', parameters: { name: 'shop' } }])).changed).toBe(0);
  });

  it('quarantines a site and lets it out again', async () => {
    const root = newRoot();
    const provisioner = sshProvisioner(sshd, root);
    await provisioner.run(targetOf(sshd), [{ role: 'packages', parameters: { install: ['apache2', 'postfix'] } }]);
    await provisioner.run(targetOf(sshd), [{ role: 'unquarantine' }]);
    expect(root.lines('var/lib/ledger/services')).toEqual(expect.arrayContaining(['apache2 active', 'postfix active']));

    const quarantine = await provisioner.run(targetOf(sshd), [{ role: 'quarantine' }]);
    expect(outcomes(quarantine)).toEqual([
      'hostgraph: /var/lib/hostgraph/bin/apache2ctl: unchanged',
      'hostgraph: /var/lib/hostgraph/bin/hostgraph-system: unchanged',
      'quarantine: web server stopped: changed',
      'quarantine: postfix stopped: changed',
      // exim is not installed: already stopped.
      'quarantine: exim stopped: unchanged',
    ]);
    expect(root.lines('var/lib/ledger/services')).toEqual([]);
    expect((await provisioner.run(targetOf(sshd), [{ role: 'unquarantine' }])).changed).toBe(2);
    expect(root.lines('var/lib/ledger/services')).toEqual(expect.arrayContaining(['apache2 active', 'apache2 enabled', 'postfix active', 'postfix enabled']));
  });

  it('installs and removes requested packages, reporting nothing when they already are as asked', async () => {
    const root = newRoot();
    const provisioner = sshProvisioner(sshd, root);
    await provisioner.run(targetOf(sshd), [{ role: 'packages', parameters: { install: ['php-fpm', 'git'] } }]);
    expect(root.lines('var/lib/ledger/packages')).toEqual(['php-fpm', 'git']);
    expect((await provisioner.run(targetOf(sshd), [{ role: 'packages', parameters: { install: ['git'], remove: ['php-fpm', 'emacs'] } }])).changed).toBe(1);
    expect(root.lines('var/lib/ledger/packages')).toEqual(['git']);
    expect((await provisioner.run(targetOf(sshd), [{ role: 'packages', parameters: { install: ['git'], remove: ['php-fpm'] } }])).changed).toBe(0);
  });

  it("puts the service addresses on the VM's interface for its host name only, changes nothing the second time, and moves them", async () => {
    const root = newRoot();
    writeFileSync(join(root.path, 'etc/hostname'), 'h-prod\n');
    const provisioner = sshProvisioner(sshd, root);
    const serviceAddresses = (addresses: string[]): RoleApplication[] => [{ role: 'service-addresses', parameters: { hostName: 'h-prod.hosting.test', addresses } }];
    const interfaceAddresses = () => root.lines('var/lib/ledger/interface');

    const first = await provisioner.run(targetOf(sshd), serviceAddresses(['203.0.113.10', '2001:DB8::10']));
    expect(outcomes(first).slice(2)).toEqual([
      'service-addresses: service addresses listed: changed',
      'service-addresses: service addresses unit: changed',
      'service-addresses: service addresses put on at boot: changed',
      'service-addresses: service addresses on the interface: changed',
    ]);
    expect(root.read('etc/hostgraph/service-addresses')).toContain('\nhost h-prod.hosting.test\naddress 203.0.113.10\naddress 2001:db8::10\n');
    expect(root.read('etc/systemd/system/hostgraph-service-addresses.service')).toContain('ExecStart=/var/lib/hostgraph/bin/hostgraph-system addresses apply /etc/hostgraph/service-addresses\n');
    expect(root.lines('var/lib/ledger/services')).toEqual(expect.arrayContaining(['hostgraph-service-addresses active', 'hostgraph-service-addresses enabled']));
    expect(interfaceAddresses()).toEqual(['203.0.113.10/32', '2001:db8::10/128']);

    const callsBefore = root.systemCalls().length;
    const second = await provisioner.run(targetOf(sshd), serviceAddresses(['203.0.113.10', '2001:db8::10']));
    expect(second.changed).toBe(0);
    expect(root.systemCalls().slice(callsBefore).every((call) => / (status|check) /.test(` ${call} `))).toBe(true);
    expect(interfaceAddresses()).toEqual(['203.0.113.10/32', '2001:db8::10/128']);

    // switchServices made this VM the test copy: the production addresses come off, the test ones go on.
    const moved = await provisioner.run(targetOf(sshd), serviceAddresses(['203.0.113.20', '2001:db8::20']));
    expect(outcomes(moved).filter((line) => line.endsWith(': changed'))).toEqual([
      'service-addresses: service addresses listed: changed',
      'service-addresses: service addresses on the interface: changed',
    ]);
    expect(interfaceAddresses()).toEqual(['203.0.113.20/32', '2001:db8::20/128']);

    // A clone of this VM boots with a host name of its own: it takes none of its source's addresses.
    writeFileSync(join(root.path, 'etc/hostname'), 'h-copy\n');
    expect((await provisioner.run(targetOf(sshd), serviceAddresses(['203.0.113.20', '2001:db8::20']))).changed).toBe(1);
    expect(interfaceAddresses()).toEqual([]);
    await expect(provisioner.run(targetOf(sshd), serviceAddresses(['203.0.113.300']))).rejects.toThrow('"203.0.113.300" is not an IPv4 or IPv6 address');
  });

  it('hands the database password over on standard input and masks it in everything it reports', async () => {
    const root = newRoot();
    const provisioner = sshProvisioner(sshd, root);
    const password = 'Zq9-secret-Xy7';
    const events: ProvisionEvent[] = [];
    await provisioner.run(targetOf(sshd), [{ role: 'database-root-password', parameters: { password } }], { onEvent: (event) => events.push(event) });
    expect(root.read('var/lib/ledger/database-root-password')).toBe(`${password}\n`);
    expect(JSON.stringify(events)).not.toContain(password);
    expect(root.systemCalls()).toContain('database set-root-password');
  });

  it('streams each line as the VM prints it, stdout and stderr in order', async () => {
    const root = newRoot();
    const provisioner = sshProvisioner(sshd, root, { rolesDirectory: TEST_ROLES });
    const lines: string[] = [];
    await provisioner.run(targetOf(sshd), [{ role: 'streaming' }], {
      onEvent: (event) => {
        if (event.type !== 'output') return;
        lines.push(`${event.stream}: ${event.line}`);
        // The command waits for these files: they only appear if a line arrived while the command still ran.
        if (event.line === 'first') writeFileSync(join(root.path, 'seen-first'), '');
        if (event.line === 'second, to stderr') writeFileSync(join(root.path, 'seen-second'), '');
      },
    });
    expect(lines).toEqual(['stdout: first', 'stderr: second, to stderr', 'stdout: third, without a newline']);
  });

  it('fails with Transient when the connection drops while a step runs', async () => {
    const root = newRoot();
    const error = await sshProvisioner(sshd, root, { rolesDirectory: TEST_ROLES })
      .run(targetOf(sshd), [{ role: 'streaming' }], {
        // The VM goes away while the command waits.
        onEvent: (event) => event.type === 'output' && event.line === 'first' && void sshd.interrupt(),
      })
      .catch((caught: unknown) => caught)
      .finally(() => sshd.resume());
    expect(error).toBeInstanceOf(Transient);
    expect((error as Error).message).toContain('the connection was lost while a step ran');
  });

  it('names the failing step, keeps its output, and stops there', async () => {
    const root = newRoot();
    const provisioner = sshProvisioner(sshd, root, { rolesDirectory: TEST_ROLES });
    const statuses: string[] = [];
    const error = await provisioner
      .run(targetOf(sshd), [{ role: 'failing' }], { onEvent: (event) => event.type === 'step' && statuses.push(`${event.step}: ${event.status}`) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StepFailed);
    expect(error).toBeInstanceOf(Fatal);
    const failed = error as StepFailed;
    expect([failed.role, failed.step, failed.exitCode]).toEqual(['failing', 'migrate the database', 3]);
    // Both streams are kept; their order is not, as sshd reads them from two pipes.
    expect([...failed.output].sort()).toEqual(['ERROR: relation "sites" already exists', 'applying migration 41']);
    expect(failed.message).toContain('role failing, step "migrate the database": the command exited with 3:\n');
    expect(failed.message).toContain('applying migration 41');
    expect(statuses.slice(-2)).toEqual(['migrate the database: running', 'migrate the database: failed']);
    expect(root.read('srv/marker')).toBe('before the failure\n');
    expect(root.lines('srv/never')).toEqual([]);
  });

  it('runs a notified step once per change, even when the run that changed it failed before', async () => {
    const root = newRoot();
    const provisioner = sshProvisioner(sshd, root, { rolesDirectory: TEST_ROLES });
    const greet = (greeting: string) => provisioner.run(targetOf(sshd), [{ role: 'notified', parameters: { greeting } }]);
    await greet('hello');
    await greet('hello');
    await greet('good morning');
    expect(root.lines('srv/announcements')).toEqual(['hello', 'good morning']);
  });

  it('refuses a host that presents another key than the expected one, before logging in', async () => {
    const root = newRoot();
    const [impostorKey] = await generateHostKeys('blog.hosting.test', ['ed25519']);
    const error = await sshProvisioner(sshd, root)
      .run({ ...targetOf(sshd), hostKeys: [impostorKey.publicKey] }, [{ role: 'apache' }])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Fatal);
    expect((error as Error).message).toContain(`the host key is ${sshd.hostKeyFingerprint}, not one of the expected`);
    expect(root.systemCalls()).toEqual([]);
  });

  it('accepts the host when one of several expected keys matches', async () => {
    const root = newRoot();
    const others = await generateHostKeys('blog.hosting.test', ['ecdsa-p256']);
    const report = await sshProvisioner(sshd, root).run({ ...targetOf(sshd), hostKeys: [others[0].publicKey, sshd.hostPublicKey] }, [{ role: 'quarantine' }]);
    expect(report.connections).toBe(1);
  });

  it('gives up with Fatal when the VM refuses the provisioning key', async () => {
    const [otherKey] = await generateHostKeys('nobody', ['ed25519']);
    const error = await sshProvisioner(sshd, newRoot(), { privateKey: otherKey.privateKey }).run(targetOf(sshd), [{ role: 'quarantine' }]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Fatal);
    expect((error as Error).message).toContain("refused Hostgraph's key");
  });

  it('waits for a VM that is still booting, and connects once it listens', async () => {
    const root = newRoot();
    await sshd.interrupt();
    const waits: string[] = [];
    const report = await sshProvisioner(sshd, root, { connectTimeoutMs: 60_000 }).run(targetOf(sshd), [{ role: 'quarantine' }], {
      onEvent: (event) => {
        if (event.type !== 'waiting') return;
        waits.push(event.reason);
        // The VM comes up after the first refusal.
        if (event.attempt === 1) void sshd.resume();
      },
    });
    expect(waits[0]).toContain('ECONNREFUSED');
    expect(report.connections).toBe(1);
  });

  it('gives up with Transient when nothing answers before the deadline', async () => {
    const port = await freePort();
    const error = await sshProvisioner(sshd, newRoot(), { connectTimeoutMs: 1500 })
      .run({ ...targetOf(sshd), port }, [{ role: 'quarantine' }])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Transient);
    expect((error as Error).message).toMatch(/ECONNREFUSED.*gave up after \d+ attempts/);
  });
});
