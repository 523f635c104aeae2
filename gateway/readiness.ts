import { Kind, parse, type ConstArgumentNode } from 'graphql';

export type ReadinessChecks = Record<string, { ok: boolean; error?: string }>;

export interface RoutedSubgraph {
  name: string;
  url: string;
}

const stringArgument = (args: readonly ConstArgumentNode[] | undefined, name: string) => {
  const value = args?.find((arg) => arg.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
};

/** The subgraphs a supergraph routes to, read from its `join__Graph` enum: what the gateway really calls. */
export function subgraphsOf(supergraphSdl: string): RoutedSubgraph[] {
  const subgraphs: RoutedSubgraph[] = [];
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const graph = value.directives?.find((directive) => directive.name.value === 'join__graph');
      const name = stringArgument(graph?.arguments, 'name');
      const url = stringArgument(graph?.arguments, 'url');
      if (name && url) subgraphs.push({ name, url });
    }
  }
  return subgraphs;
}

/** A subgraph is ready when its /healthz, next to its /graphql, answers 200. */
export async function checkSubgraph(subgraph: RoutedSubgraph, timeoutMs = 2000): Promise<{ ok: boolean; error?: string }> {
  const health = new URL('healthz', new URL(subgraph.url)).toString();
  try {
    const response = await fetch(health, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok ? { ok: true } : { ok: false, error: `${health} answered HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, error: `${health} is unreachable (${cause ?? (error as Error).message})` };
  }
}
