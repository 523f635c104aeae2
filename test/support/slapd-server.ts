import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { ensureInstalled, reachable, STATE } from './servers.js';

/**
 * A private OpenLDAP server on loopback: its own slapd.conf (back_mdb and the schemas people and
 * POSIX accounts need), loaded with `slapadd`, then `slapd` in the foreground as a child process.
 * Its data survive `stop()`/`start()`, so a test can take the directory down and bring it back.
 */

export interface SlapdOptions {
  /** The database suffix, e.g. `dc=example,dc=org`. */
  suffix: string;
  /** Entries loaded before the first start, the suffix entry included. */
  ldif: string;
  /**
   * Caps a plain search at this many entries for every bind but the root DN, as real directories
   * do; paged searches may still read everything.
   */
  sizeLimit?: number;
}

export interface SlapdServer {
  url: string;
  port: number;
  rootDn: string;
  rootPassword: string;
  /** Takes slapd down; its data stay for `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Deletes an entry as the root DN, e.g. a person who leaves. */
  deleteEntry(dn: string): void;
  /** Stops slapd and removes its files. */
  remove(): Promise<void>;
}

const SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis'];

export async function startSlapd(options: SlapdOptions): Promise<SlapdServer> {
  ensureInstalled('/usr/sbin/slapd', 'slapd', 'ldap-utils');
  const port = await freePort();
  const dir = join(STATE, `slapd-${port}`);
  const dataDir = join(dir, 'data');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const rootDn = `cn=admin,${options.suffix}`;
  const rootPassword = 'slapd-root-secret';
  const url = `ldap://127.0.0.1:${port}/`;
  const configFile = join(dir, 'slapd.conf');
  writeFileSync(
    configFile,
    [
      ...SCHEMAS.map((schema) => `include /etc/ldap/schema/${schema}.schema`),
      `pidfile ${join(dir, 'slapd.pid')}`,
      `argsfile ${join(dir, 'slapd.args')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      // prtotal lifts the cap for paged searches only, which is what the cap is meant to force.
      options.sizeLimit ? `sizelimit size.soft=${options.sizeLimit} size.hard=${options.sizeLimit} size.prtotal=unlimited` : '',
      'database mdb',
      `suffix "${options.suffix}"`,
      `rootdn "${rootDn}"`,
      `rootpw ${rootPassword}`,
      `directory ${dataDir}`,
      'index objectClass eq',
      'access to attrs=userPassword by anonymous auth by * none',
      'access to * by users read by * none',
      '',
    ].join('\n'),
  );
  const ldifFile = join(dir, 'data.ldif');
  writeFileSync(ldifFile, options.ldif);
  execFileSync('/usr/sbin/slapadd', ['-f', configFile, '-l', ldifFile], { stdio: 'pipe' });

  let slapd: ChildProcess | undefined;
  const start = async () => {
    if (slapd) return;
    // -d keeps slapd in the foreground, so it is our child and dies with a kill of its pid.
    const child = spawn('/usr/sbin/slapd', ['-f', configFile, '-h', url, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let exited = false;
    child.once('exit', () => (exited = true));
    slapd = child;
    for (let i = 0; i < 200 && !exited && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 50));
    if (exited || !(await reachable(port))) {
      slapd = undefined;
      child.kill('SIGKILL');
      throw new Error(`slapd did not start on ${url}: ${stderr.trim() || 'no output'}`);
    }
  };
  const stop = async () => {
    const child = slapd;
    if (!child) return;
    slapd = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  await start();
  return {
    url,
    port,
    rootDn,
    rootPassword,
    start,
    stop,
    deleteEntry(dn) {
      execFileSync('/usr/bin/ldapdelete', ['-x', '-H', url, '-D', rootDn, '-w', rootPassword, dn], { stdio: 'pipe' });
    },
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
