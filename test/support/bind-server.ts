import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { ensureInstalled, reachable, STATE } from './servers.js';

const run = promisify(execFile);

export interface TsigKeyFile {
  name: string;
  algorithm: 'hmac-sha256' | 'hmac-sha512';
  /** Base64, as tsig-keygen printed it. */
  secret: string;
}

export interface BindServer {
  host: string;
  port: number;
  zones: string[];
  /** Keys the zones' update-policy grants (`sha256`, `sha512`), and one it knows but grants nothing (`outsider`). */
  keys: { sha256: TsigKeyFile; sha512: TsigKeyFile; outsider: TsigKeyFile };
  /** Runs dig against this server and returns what it prints. */
  dig(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

async function tsigKeygen(algorithm: TsigKeyFile['algorithm'], name: string): Promise<{ key: TsigKeyFile; config: string }> {
  const { stdout } = await run('tsig-keygen', ['-a', algorithm, name]);
  const secret = /secret "([^"]+)"/.exec(stdout)?.[1];
  if (!secret) throw new Error(`tsig-keygen printed no secret: ${stdout}`);
  return { key: { name, algorithm, secret }, config: stdout };
}

/**
 * A private BIND 9 on a free loopback port, with its own folder under .test-servers: `zones` are
 * primary zones that take RFC 2136 updates from the granted keys and are signed inline with the
 * default DNSSEC policy. `brokenZones` are configured with a file BIND cannot load, so it answers
 * SERVFAIL for them. Resolves once every zone answers with an RRSIG.
 */
export async function startBind({ zones, brokenZones = [] }: { zones: string[]; brokenZones?: string[] }): Promise<BindServer> {
  ensureInstalled('/usr/sbin/named', 'bind9', 'bind9-dnsutils');
  ensureInstalled('/usr/bin/dig', 'bind9-dnsutils');
  const port = await freePort();
  const dir = join(STATE, `bind-${port}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const [sha256, sha512, outsider] = await Promise.all([
    tsigKeygen('hmac-sha256', 'hostgraph-sha256'),
    tsigKeygen('hmac-sha512', 'hostgraph-sha512'),
    tsigKeygen('hmac-sha256', 'outsider'),
  ]);
  writeFileSync(join(dir, 'keys.conf'), [sha256, sha512, outsider].map((generated) => generated.config).join('\n'), { mode: 0o600 });

  const nameServer = `ns.${zones[0]}.`;
  for (const [index, zone] of zones.entries()) {
    const glue = index === 0 ? [`${nameServer} 300 IN A 127.0.0.1`] : [];
    const soa = `${zone}. 300 IN SOA ${nameServer} hostmaster.${zones[0]}. 1 3600 600 86400 300`;
    writeFileSync(join(dir, `${zone}.db`), [soa, `${zone}. 300 IN NS ${nameServer}`, ...glue, ''].join('\n'));
  }
  for (const zone of brokenZones) writeFileSync(join(dir, `${zone}.db`), 'this is not a zone file\n');
  const zoneBlocks = [...zones, ...brokenZones].map(
    (zone) => `zone "${zone}" {
  type primary;
  file "${zone}.db";
  update-policy { grant ${sha256.key.name} zonesub ANY; grant ${sha512.key.name} zonesub ANY; };
  dnssec-policy default;
  inline-signing yes;
};`,
  );
  const config = join(dir, 'named.conf');
  writeFileSync(
    config,
    `include "${join(dir, 'keys.conf')}";
options {
  directory "${dir}";
  key-directory "${dir}";
  managed-keys-directory "${dir}";
  pid-file "${join(dir, 'named.pid')}";
  session-keyfile "${join(dir, 'session.key')}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
${zoneBlocks.join('\n')}
`,
  );

  const log = join(dir, 'named.log');
  const logFile = openSync(log, 'a');
  // -g: foreground, logging to stderr; -n 1: one worker thread on a shared machine.
  const named = spawn('named', ['-g', '-n', '1', '-c', config], { stdio: ['ignore', logFile, logFile] });
  closeSync(logFile);
  const exited = new Promise<void>((resolve) => named.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const dig = async (...args: string[]) => (await run('dig', [`@127.0.0.1`, '-p', String(port), '+time=2', '+tries=1', ...args])).stdout;
  const stop = async () => {
    if (running) {
      named.kill('SIGTERM');
      const killer = setTimeout(() => named.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + 60_000;
    for (const zone of zones) {
      for (;;) {
        if (!running) throw new Error(`named exited while starting:\n${readFileSync(log, 'utf8').slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`named did not serve ${zone} signed in time:\n${readFileSync(log, 'utf8').slice(-3000)}`);
        if ((await reachable(port)) && /\sRRSIG\s+SOA\s/.test(await dig('+dnssec', '+noall', '+answer', zone, 'SOA').catch(() => ''))) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return { host: '127.0.0.1', port, zones, keys: { sha256: sha256.key, sha512: sha512.key, outsider: outsider.key }, dig, stop };
}
