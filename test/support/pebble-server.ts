import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { ensureInstalled, reachable, STATE } from './servers.js';

export interface PebbleServer {
  /** The ACME directory: https://127.0.0.1:PORT/dir. */
  directoryUrl: string;
  /** The CA (PEM) that pebble's own HTTPS certificate chains to, made here with openssl. */
  httpsCa: string;
  /** The root pebble issues under; pebble makes a new one every start. */
  issuingRoot(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A private pebble (Let's Encrypt's test ACME server) on free loopback ports. It validates DNS-01
 * challenges for real, by asking `dnsServer` (a BIND from bind-server.ts): only the random sleep
 * before validating and the random nonce rejections are turned off, so the tests run at speed and
 * the same way each time.
 */
export async function startPebble({ dnsServer }: { dnsServer: { host: string; port: number } }): Promise<PebbleServer> {
  ensureInstalled('/usr/bin/pebble', 'pebble');
  ensureInstalled('/usr/bin/openssl', 'openssl');
  const [port, managementPort] = [await freePort(), await freePort()];
  const dir = join(STATE, `pebble-${port}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'https-ca.key', '-out', 'https-ca.pem', '-days', '2', '-subj', '/CN=pebble test HTTPS CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl('req', ...ec, '-keyout', 'key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'https-ca.pem', '-CAkey', 'https-ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'cert.pem');

  const config = join(dir, 'pebble-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        // Only for http-01 and tls-alpn-01, which these tests do not use.
        httpPort: 5002,
        tlsPort: 5001,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const log = join(dir, 'pebble.log');
  const logFile = openSync(log, 'a');
  const pebble = spawn('pebble', ['-config', config, '-dnsserver', `${dnsServer.host}:${dnsServer.port}`], {
    stdio: ['ignore', logFile, logFile],
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
  });
  closeSync(logFile);
  let running = true;
  const exited = new Promise<void>((resolve) => pebble.once('exit', () => ((running = false), resolve())));

  const stop = async () => {
    if (running) {
      pebble.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200 && running && !((await reachable(port)) && (await reachable(managementPort))); i++) await new Promise((r) => setTimeout(r, 50));
  if (!running || !(await reachable(port))) {
    const output = readFileSync(log, 'utf8');
    await stop();
    throw new Error(`pebble did not start:\n${output}`);
  }

  const httpsCa = readFileSync(join(dir, 'https-ca.pem'), 'utf8');
  const get = (path: string) =>
    new Promise<string>((resolve, reject) => {
      request(`https://127.0.0.1:${managementPort}${path}`, { ca: httpsCa }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      })
        .on('error', reject)
        .end();
    });
  return { directoryUrl: `https://127.0.0.1:${port}/dir`, httpsCa, issuingRoot: () => get('/roots/0'), stop };
}
