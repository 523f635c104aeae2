import { connect } from 'node:net';
import { collect, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance, type InstanceOptions } from '../support/hostgraph-instance.js';

const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { type } }';

/** A whole Hostgraph whose scheduler rolls metrics up every second and whose writer flushes often. */
export function startMetricsInstance(options: InstanceOptions & { metrics?: Record<string, unknown> } = {}): Promise<Instance> {
  const { metrics, ...rest } = options;
  return startInstance({
    ...rest,
    settings: { metrics: { flushMs: 50, rollupSchedule: '* * * * * *', hostCacheSeconds: 1, ...metrics }, ...rest.settings },
  });
}

/** Creates a site as `token`, waits for its task, and says what its production VM is called. */
export async function createRunningSite(url: string, name: string, token: string = TOKENS.alice) {
  const created = await query(url, 'mutation ($input: CreateSiteInput!) { createSite(input: $input) { id siteId } }', { input: { name, flavor: 'small' } }, token);
  await collect(sse(url, EVENTS, { taskId: created.createSite.id }, token));
  const { site } = await query(url, 'query ($id: ID!) { site(id: $id) { id state vm { id name } } }', { id: created.createSite.siteId }, token);
  return { siteId: site.id as string, vmId: site.vm.id as string, hostName: site.vm.name as string, state: site.state as string };
}

/** Sends Graphite plaintext lines over one TCP connection, and closes it once they are written. */
export function sendLines(port: number, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.end(lines.map((line) => `${line}\n`).join(''));
    });
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
}

/** A Prometheus counter or gauge from a /metrics text, summed over the label sets that match. */
export function promValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const given = Object.fromEntries((match[3] ?? '').split(',').filter(Boolean).map((pair) => {
      const [key, value] = pair.split('=');
      return [key!, JSON.parse(value!)];
    }));
    if (Object.entries(labels).every(([key, value]) => given[key] === value)) total += Number(match[4]);
  }
  return total;
}

export const metricsEndpointOf = (instance: Instance, role: 'gateway' | 'metrics' | 'hosting' | 'identity' = 'metrics') =>
  role === 'gateway' ? instance.url.replace(/\/graphql$/, '/metrics') : instance.config.subgraphs[role].url.replace(/\/graphql$/, '/metrics');
