import type { Config } from '../core/config.js';

/**
 * `hostgraph inventory --list` and `--host NAME`: an Ansible dynamic-inventory script. It asks the
 * gateway's /inventory/ansible (HOSTGRAPH_URL, with HOSTGRAPH_TOKEN or the configuration's admin
 * dev token) and prints what Ansible reads on standard output.
 */
export async function inventoryCommand(config: Config, options: { list?: boolean; host?: string }): Promise<string> {
  if (!options.list && !options.host) throw new Error('hostgraph inventory needs --list or --host NAME (as Ansible calls an inventory script)');
  const token = config.client.token ?? Object.entries(config.devTokens).find(([, user]) => user.admin)?.[0];
  if (!token) throw new Error('Set HOSTGRAPH_TOKEN to an API token: the inventory shows what that token may see');
  const url = new URL('/inventory/ansible', config.client.gatewayUrl);
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    throw new Error(`cannot reach ${url.origin}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message} (set HOSTGRAPH_URL)`);
  }
  const body = (await response.json().catch(() => null)) as { _meta?: { hostvars: Record<string, unknown> }; errors?: { message: string }[] } | null;
  if (!response.ok || !body?._meta) throw new Error(`${url} answered ${response.status}: ${body?.errors?.[0]?.message ?? 'no inventory'}`);
  return JSON.stringify(options.host ? (body._meta.hostvars[options.host] ?? {}) : body, null, 2);
}
