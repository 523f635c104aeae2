import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInstalled, STATE } from './servers.js';

export interface Collectd {
  stop(): Promise<void>;
  /** What collectd wrote to its log, for a failing test's message. */
  log(): string;
}

/**
 * A real collectd (Debian collectd-core) in the foreground with its own configuration: the load and
 * memory plugins every `interval` seconds, sent by write_graphite over TCP to our listener.
 */
export async function startCollectd(options: { hostname: string; port: number; prefix?: string; interval?: number }): Promise<Collectd> {
  ensureInstalled('/usr/sbin/collectd', 'collectd-core');
  const dir = join(STATE, `collectd-${options.port}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'collectd.conf');
  writeFileSync(
    config,
    `Hostname "${options.hostname}"
FQDNLookup false
Interval ${options.interval ?? 1}
BaseDir "${dir}"
PIDFile "${dir}/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "${dir}/collectd.log"
</Plugin>
LoadPlugin load
LoadPlugin memory
LoadPlugin write_graphite
<Plugin write_graphite>
  <Node "hostgraph">
    Host "127.0.0.1"
    Port "${options.port}"
    Protocol "tcp"
    Prefix "${options.prefix ?? ''}"
    StoreRates true
  </Node>
</Plugin>
`,
  );
  const child = spawn('/usr/sbin/collectd', ['-f', '-C', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    log: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
