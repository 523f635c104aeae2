import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.js';

/**
 * The real servers the tests talk to. Whatever already listens on loopback is used; what is not
 * there is installed from Debian if missing, started on a free port, and stopped afterwards.
 */

/** Where started servers keep their files; each under a folder named after it and its port. */
export const STATE = resolve('.test-servers');

export const reachable = (port: number, host = '127.0.0.1') =>
  new Promise<boolean>((done) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
    socket.once('timeout', () => (socket.destroy(), done(false)));
  });

/** Installs the Debian packages when `binary` is missing; waits for another install's dpkg lock. */
export function ensureInstalled(binary: string, ...debianPackages: string[]) {
  if (existsSync(binary)) return;
  const apt = 'DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 -y -qq';
  execSync(`${apt} update && ${apt} install ${debianPackages.join(' ')}`, { stdio: 'inherit' });
}

export interface Started {
  url: string;
  stop(): Promise<void>;
}

export async function startPrivateRedis(options: { appendOnly?: boolean } = {}): Promise<Started & { restart(): Promise<void> }> {
  ensureInstalled('/usr/bin/redis-server', 'redis-server');
  const port = await freePort();
  const dir = join(STATE, `redis-${port}`);
  mkdirSync(dir, { recursive: true });
  const start = async () => {
    execFileSync('redis-server', [
      '--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(port), '--save', '',
      '--appendonly', options.appendOnly ? 'yes' : 'no', '--dir', dir, '--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log'),
    ]);
    for (let i = 0; i < 100 && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 50));
  };
  const stop = async () => {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
    } catch {
      // already gone
    }
    for (let i = 0; i < 100 && (await reachable(port)); i++) await new Promise((r) => setTimeout(r, 50));
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    restart: async () => {
      await stop();
      await start();
    },
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startPrivatePostgres(): Promise<Started> {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  if (versions.length === 0) ensureInstalled('/usr/lib/postgresql/none', 'postgresql');
  const bin = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().at(-1)!, 'bin');
  const port = await freePort();
  const dir = join(STATE, `postgres-${port}`);
  mkdirSync(dir, { recursive: true });
  execSync(`chown -R postgres ${dir}`);
  const asPostgres = (command: string) => execSync(`runuser -u postgres -- ${command}`, { stdio: 'pipe' });
  asPostgres(`${bin}/initdb -D ${dir}/data --auth=trust -U postgres`);
  asPostgres(`${bin}/pg_ctl -D ${dir}/data -l ${dir}/log -o "-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}" -w start`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      asPostgres(`${bin}/pg_ctl -D ${dir}/data -m fast -w stop`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Redis: TEST_REDIS_URL, else the one on 6379, else a private one. */
export async function provideRedis(): Promise<Started> {
  if (process.env.TEST_REDIS_URL) return { url: process.env.TEST_REDIS_URL, stop: async () => {} };
  if (await reachable(6379)) return { url: 'redis://127.0.0.1:6379', stop: async () => {} };
  return startPrivateRedis();
}

/** PostgreSQL: TEST_DATABASE_URL, else the one on 5432, else a private cluster. */
export async function providePostgres(): Promise<Started> {
  if (process.env.TEST_DATABASE_URL) return { url: process.env.TEST_DATABASE_URL, stop: async () => {} };
  if (await reachable(5432)) return { url: 'postgres://postgres@127.0.0.1:5432/postgres', stop: async () => {} };
  return startPrivatePostgres();
}
