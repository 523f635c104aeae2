import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fatal } from '../../../plugins/plugin-errors.js';
import { createProvisioner } from '../../../plugins/provisioner/create-provisioner.js';
import { RoleLibrary } from '../../../plugins/provisioner/role/role-library.js';
import { DEBIAN_TOOLS } from '../../../plugins/provisioner/ssh/ssh-provisioner.js';
import { STATE } from '../../support/servers.js';
import { personKey } from './test-host.js';

const scratch = mkdtempSync(join(STATE, 'roles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder with one role file, for roles that must be refused. */
function libraryWith(yaml: string): RoleLibrary {
  const directory = mkdtempSync(join(scratch, 'library-'));
  writeFileSync(join(directory, 'broken.yaml'), yaml);
  return new RoleLibrary(directory);
}

const bundled = new RoleLibrary();
const planError = (plan: () => unknown) => {
  try {
    plan();
  } catch (error) {
    expect(error).toBeInstanceOf(Fatal);
    return (error as Error).message;
  }
  throw new Error('the plan was accepted');
};

describe('roles as data', () => {
  it('plans a TLS vhost from the bundled role and template', () => {
    const { steps } = bundled.plan([{ role: 'vhost', parameters: { name: 'shop', serverName: 'Shop.Hosting.Test', aliases: ['www.shop.hosting.test'], tls: true } }]);
    const config = steps.find((step) => step.name === 'vhost shop configured')!.action;
    const content = 'content' in config ? config.content : '';
    expect(content).toContain('<VirtualHost *:443>\n    ServerName shop.hosting.test\n    ServerAlias www.shop.hosting.test\n');
    expect(content).toContain('Redirect permanent / https://shop.hosting.test/');
    expect(steps.map((step) => [step.name, step.notify ?? step.whenNotified ?? '', step.clearsNotification ?? false])).toEqual([
      ['document root of shop', '', false],
      ['vhost shop configured', 'apache-reload', false],
      ['vhost shop enabled', 'apache-reload', false],
      ['apache configuration valid', 'apache-reload', false],
      ['apache reloaded', 'apache-reload', true],
    ]);
  });

  it('refuses parameter values that would reach a config file or a command line unchecked', () => {
    const vhost = (parameters: Record<string, unknown>) => () => bundled.plan([{ role: 'vhost', parameters: { name: 'shop', serverName: 'shop.hosting.test', ...parameters } }]);
    expect(planError(vhost({ serverName: 'shop.hosting.test\n    Include /etc/shadow' }))).toMatch(/role vhost: parameter serverName: [\s\S]* is not a valid DNS name/);
    expect(planError(vhost({ name: '../../etc' }))).toContain('parameter name: "../../etc" is not a name');
    expect(planError(vhost({ tls: 'yes' }))).toContain('parameter tls: "yes" is not true or false');
    expect(planError(vhost({ colour: 'blue' }))).toContain('no parameter colour (it takes name, serverName, aliases, tls)');
    expect(planError(() => bundled.plan([{ role: 'vhost', parameters: { name: 'shop' } }]))).toContain('parameter serverName (dnsName) is required');
    expect(planError(() => bundled.plan([{ role: 'packages', parameters: { install: ['vim; rm -rf /'] } }]))).toContain('is not a list of Debian package names');
    expect(planError(() => bundled.plan([{ role: 'site-users', parameters: { users: [{ name: 'root', uid: 0, sshKeys: [] }] } }]))).toContain("uid 0 is not a person's uid");
    expect(planError(() => bundled.plan([{ role: 'site-users', parameters: { users: [{ name: 'ada', uid: 20001, sshKeys: ['not a key'] }] } }]))).toContain(
      'is not an OpenSSH public key',
    );
    const key = personKey('a');
    const twice = [{ name: 'ada', uid: 20001, sshKeys: [key] }, { name: 'bob', uid: 20001, sshKeys: [] }];
    expect(planError(() => bundled.plan([{ role: 'site-users', parameters: { users: twice } }]))).toContain('two users have the uid 20001');
    // A secret is never quoted back.
    expect(planError(() => bundled.plan([{ role: 'database-root-password', parameters: { password: 'short\n' } }]))).not.toContain('short');
    expect(planError(() => bundled.plan([{ role: 'no-such-role' }]))).toContain('there is no role no-such-role');
  });

  it('refuses role files that could not be run idempotently or are malformed, naming the step', () => {
    expect(planError(() => libraryWith('description: x\nsteps:\n  - name: once\n    command: { run: date }\n').plan([{ role: 'broken' }]))).toBe(
      'role broken, step "once": a command step needs unless (a check that exits 0 when nothing is to do), whenNotified, or always: true',
    );
    expect(planError(() => libraryWith('description: x\nsteps:\n  - name: bounce\n    service: { name: apache2, state: restarted }\n').plan([{ role: 'broken' }]))).toContain(
      'give it whenNotified',
    );
    expect(planError(() => libraryWith('description: x\nsteps:\n  - name: two\n    file: { path: /a, content: x }\n    link: { path: /b, target: /a }\n').plan([{ role: 'broken' }]))).toContain(
      'a step has exactly one of',
    );
    expect(planError(() => libraryWith('description: x\nsteps:\n  - name: up\n    file: { path: /etc/../x, content: x }\n').plan([{ role: 'broken' }]))).toContain(
      'is not an absolute path without "." or ".."',
    );
    expect(planError(() => libraryWith('description: x\nsteps:\n  - name: typo\n    file: { path: "/srv/{{nmae}}", content: x }\n').plan([{ role: 'broken' }]))).toContain(
      'role broken, step "typo": "nmae" not defined',
    );
    expect(planError(() => libraryWith('steps: []\n').plan([{ role: 'broken' }]))).toContain('description is missing');
  });

  it('every bundled role reads, and the factory refuses configurations that cannot work', () => {
    for (const role of ['base', 'site-users', 'apache', 'vhost', 'vhost-removed', 'tls-certificate', 'packages', 'database-root-password', 'quarantine', 'unquarantine', 'service-addresses']) {
      expect(bundled.role(role).steps.length).toBeGreaterThan(0);
    }
    expect(() => createProvisioner({ kind: 'ssh', privateKey: '' })).toThrow(/needs privateKey/);
    expect(() => createProvisioner({ kind: 'ssh', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----', root: 'relative' })).toThrow(/not an absolute path/);
    expect(() => createProvisioner({ kind: 'puppet' } as never)).toThrow(/unknown provisioner kind puppet/);
  });

  // A network namespace of its own (only lo, with the default route) and /var/lib of its own: this machine's stay untouched.
  const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['-n', '-m', 'true']).status === 0;
  it.skipIf(!canUnshare)("Debian's hostgraph-system puts the listed service addresses on the default route's interface, and takes off those no longer listed", () => {
    const list = (host: string, addresses: string[]) => `# test\nhost ${host}\n${addresses.map((address) => `address ${address}\n`).join('')}`;
    const [mine, moved, other] = [join(scratch, 'mine'), join(scratch, 'moved'), join(scratch, 'other')];
    writeFileSync(mine, list(`${hostname()}.hosting.test`, ['203.0.113.7', '2001:db8::7']));
    writeFileSync(moved, list(hostname(), ['198.51.100.1']));
    writeFileSync(other, list('someone-else.hosting.test', ['198.51.100.1']));
    const tool = join(DEBIAN_TOOLS, 'hostgraph-system');
    const script = `set -u
      mount -t tmpfs none /var/lib && ip link set lo up && ip route add default dev lo || exit 99
      on() { ip -o address show dev lo | awk '{ print $4 }' | grep -v -e '^127.0.0.1/8$' -e '^::1/128$' | tr '\\n' ' '; echo; }
      check() { "$0" addresses check "$1" && echo checked || echo differs; }
      check "$1"; "$0" addresses apply "$1" > /dev/null; on; check "$1"
      "$0" addresses apply "$2" > /dev/null; on; check "$2"
      "$0" addresses apply "$3" > /dev/null; on; check "$3"`;
    const output = execFileSync('unshare', ['-n', '-m', 'sh', '-c', script, tool, mine, moved, other], { encoding: 'utf8' });
    expect(output.split('\n').map((line) => line.trim())).toEqual([
      'differs',
      '203.0.113.7/32 2001:db8::7/128',
      'checked',
      '198.51.100.1/32',
      'checked',
      // Listed for another host (this VM is a clone of that one): nothing of it goes on.
      '',
      'checked',
      '',
    ]);
  });

  it("Debian's hostgraph-system reads package states from this machine's dpkg", () => {
    const output = execFileSync(join(DEBIAN_TOOLS, 'hostgraph-system'), ['packages', 'status', 'dpkg', 'hostgraph-no-such-package'], { encoding: 'utf8' });
    expect(output).toBe('dpkg installed\nhostgraph-no-such-package absent\n');
  });
});
