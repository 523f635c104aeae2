import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { buildASTSchema, getNamedType, isLeafType, isObjectType, parse, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { refusal, sendJson } from '../core/graphql/http-refusal.js';
import type { Principal } from '../core/principal.js';
import { ansibleInventory, type InventoryVm } from '../subgraphs/inventory/ansible/ansible-inventory.js';
import type { CallerContext } from './graphql-ws-server.js';

/**
 * Fields other subgraphs may add to hosting's Site and Vm that the Ansible inventory uses when the
 * supergraph has them (ipreg's names and addresses): the first name present is asked for, and of
 * an object its first leaf among `fqdn`, `name`, `address`, `value`.
 */
const OPTIONAL_FIELDS = {
  Vm: { hostName: ['hostName', 'hostname', 'fqdn'], addresses: ['addresses', 'hostAddresses'] },
  Site: { serviceName: ['serviceName'], serviceAddresses: ['serviceAddresses', 'addresses'] },
} as const;
const LEAVES = ['fqdn', 'name', 'address', 'value'];

/** `alias: field { leaf }` for the first candidate the type has, or nothing. */
function optionalSelection(type: GraphQLObjectType | undefined, alias: string, candidates: readonly string[]): string {
  const fields = type?.getFields() ?? {};
  for (const candidate of candidates) {
    const field = fields[candidate];
    if (!field || field.args.some((arg) => arg.type.toString().endsWith('!') && arg.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) return `${alias}: ${candidate}`;
    if (isObjectType(named)) {
      const leaf = LEAVES.find((name) => named.getFields()[name] && isLeafType(getNamedType(named.getFields()[name]!.type)));
      if (leaf) return `${alias}: ${candidate} { ${leaf} }`;
    }
  }
  return '';
}

/** Strings out of whatever shape an optional field has: a scalar, an object with one leaf, a list of either. */
function strings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).flatMap(strings);
  return [String(value)];
}

/** The query the inventory document is made from, for this supergraph. */
export function ansibleQuery(schema: GraphQLSchema): string {
  const vm = schema.getType('Vm') as GraphQLObjectType | undefined;
  const site = schema.getType('Site') as GraphQLObjectType | undefined;
  const vmExtras = Object.entries(OPTIONAL_FIELDS.Vm).map(([alias, names]) => optionalSelection(vm, alias, names)).join(' ');
  const siteExtras = Object.entries(OPTIONAL_FIELDS.Site).map(([alias, names]) => optionalSelection(site, alias, names)).join(' ');
  return `query AnsibleInventory($after: String) {
    sites(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name state flavor { name } ${siteExtras} vms { id name role ${vmExtras} placement { hostName powerState } } } }
    }
  }`;
}

interface SitePage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: Record<string, any> }[];
}

export function toInventoryVms(sites: Record<string, any>[]): InventoryVm[] {
  return sites.flatMap((site) =>
    (site.vms ?? []).map((vm: Record<string, any>) => ({
      vmId: vm.id,
      vmName: vm.name,
      role: vm.role,
      siteId: site.id,
      siteName: site.name,
      flavor: site.flavor?.name ?? 'unknown',
      siteState: site.state,
      hypervisor: vm.placement?.hostName ?? null,
      powerState: vm.placement?.powerState ?? null,
      hostName: strings(vm.hostName)[0] ?? null,
      addresses: strings(vm.addresses),
      serviceName: strings(site.serviceName)[0] ?? null,
      serviceAddresses: strings(site.serviceAddresses),
    })),
  );
}

/**
 * `GET /inventory/ansible`: the caller, authenticated as for GraphQL, gets the Ansible inventory of
 * the VMs they may see, asked of the federated graph with their own principal — hosting for sites
 * and VMs, the inventory for placements, ipreg for names and addresses where it is composed in.
 */
export function ansibleInventoryRoute(gateway: GatewayRuntime<CallerContext>, supergraphSdl: string) {
  const query = ansibleQuery(buildASTSchema(parse(supergraphSdl), { assumeValidSDL: true }));
  return async (response: ServerResponse, principal: Principal | null, requestId: string) => {
    if (!principal) return sendJson(response, 401, refusal('UNAUTHENTICATED', 'Sign in: send Authorization: Bearer <token>'));
    const sites: Record<string, any>[] = [];
    let after: string | null = null;
    do {
      const answer = await gateway.fetch(
        'http://gateway/graphql',
        { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query, variables: { after } }) },
        { principal, requestId } as CallerContext,
      );
      const body = (await answer.json()) as { data?: { sites: SitePage }; errors?: { message: string; extensions?: { code?: string } }[] };
      if (body.errors?.length || !body.data) {
        const [error] = body.errors ?? [];
        const code = error?.extensions?.code ?? 'SERVICE_UNAVAILABLE';
        return sendJson(response, code === 'FORBIDDEN' ? 403 : 502, refusal(code as never, error?.message ?? 'The graph gave no answer'));
      }
      sites.push(...body.data.sites.edges.map((edge) => edge.node));
      after = body.data.sites.pageInfo.hasNextPage ? body.data.sites.pageInfo.endCursor : null;
    } while (after);
    sendJson(response, 200, JSON.stringify(ansibleInventory(toInventoryVms(sites))));
  };
}

/** Whether the request is for the Ansible inventory. */
export const isAnsibleInventoryRequest = (request: IncomingMessage, path: string) => path === '/inventory/ansible' && (request.method === 'GET' || request.method === 'HEAD');
