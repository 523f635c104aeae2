import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sshpk from 'sshpk';
import { createProvisioner, type ProvisionerConfig } from '../../../plugins/provisioner/create-provisioner.js';
import type { ProvisionTarget, Provisioner } from '../../../plugins/provisioner/provisioner.js';
import { STATE } from '../../support/servers.js';
import type { SshdServer } from '../../support/sshd-server.js';

/** hostgraph-system and apache2ctl that keep a ledger under the target root instead of touching this machine. */
export const LEDGER_TOOLS = fileURLToPath(new URL('./fixtures/ledger-tools/', import.meta.url));
export const TEST_ROLES = fileURLToPath(new URL('./fixtures/roles/', import.meta.url));

/**
 * A folder that stands in for a VM's `/` behind the loopback sshd: its own passwd, group and
 * shadow files (shadow-utils edit them with --prefix), and a ledger for packages and services.
 */
export class TestRoot {
  readonly path = mkdtempSync(join(STATE, 'provision-root-'));

  constructor() {
    mkdirSync(join(this.path, 'etc'), { recursive: true });
    mkdirSync(join(this.path, 'home'));
    writeFileSync(join(this.path, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    writeFileSync(join(this.path, 'etc/group'), 'root:x:0:\n');
    writeFileSync(join(this.path, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
    writeFileSync(join(this.path, 'etc/gshadow'), 'root:*::\n', { mode: 0o600 });
  }

  read(path: string): string {
    return readFileSync(join(this.path, path), 'utf8');
  }

  lines(path: string): string[] {
    try {
      return this.read(path).split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  /** What the ledger's hostgraph-system was asked, in order. */
  systemCalls(): string[] {
    return this.lines('var/log/hostgraph-system.log');
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export const targetOf = (sshd: SshdServer): ProvisionTarget => ({ host: sshd.host, port: sshd.port, hostKeys: [sshd.hostPublicKey] });

export function sshProvisioner(sshd: SshdServer, root: TestRoot, overrides: Partial<Extract<ProvisionerConfig, { kind: 'ssh' }>> = {}): Provisioner {
  return createProvisioner({ kind: 'ssh', privateKey: sshd.privateKey, root: root.path, toolsDirectory: LEDGER_TOOLS, connectTimeoutMs: 20_000, ...overrides });
}

/** A person's SSH key, as identity stores it. */
export function personKey(comment: string): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = sshpk.parsePrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }), 'pkcs8').toPublic();
  key.comment = comment;
  return key.toString('ssh');
}
