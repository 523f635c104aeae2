import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { parse } from 'graphql';

export interface SubgraphSource {
  name: string;
  /** Where the gateway sends this subgraph's share of each operation. */
  url: string;
  sdl: string;
}

/** The supergraph the gateway serves, composed from every subgraph's own SDL. */
export function composeSupergraph(subgraphs: SubgraphSource[]): string {
  const result = composeServices(subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })));
  if (compositionHasErrors(result)) {
    const names = subgraphs.map((subgraph) => subgraph.name).join(', ');
    const lines = result.errors.map((error) => {
      const code = error.extensions?.code ? ` [${String(error.extensions.code)}]` : '';
      return `  - ${error.message}${code}`;
    });
    throw new Error(`The subgraphs ${names} do not compose (${lines.length} error${lines.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
  }
  return result.supergraphSdl;
}
