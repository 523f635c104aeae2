import { describe, expect, it } from 'vitest';
import { printSubgraphSdl } from '../../core/graphql/federated-schema.js';
import { composeSupergraph } from '../../gateway/compose-supergraph.js';
import { subgraphsOf } from '../../gateway/readiness.js';
import { buildPriceSchema } from './fixtures/price-subgraph.js';
import { buildWidgetSchema } from './fixtures/widget-subgraph.js';

describe('composeSupergraph', () => {
  it('composes both subgraphs into a supergraph that routes to each', async () => {
    const supergraph = composeSupergraph([
      { name: 'widgets', url: 'http://127.0.0.1:1/graphql', sdl: printSubgraphSdl(await buildWidgetSchema()) },
      { name: 'prices', url: 'http://127.0.0.1:2/graphql', sdl: printSubgraphSdl(await buildPriceSchema()) },
    ]);
    expect(subgraphsOf(supergraph)).toEqual([
      { name: 'prices', url: 'http://127.0.0.1:2/graphql' },
      { name: 'widgets', url: 'http://127.0.0.1:1/graphql' },
    ]);
  });

  it('throws an error that lists what does not compose', async () => {
    const prices = printSubgraphSdl(await buildPriceSchema());
    const compose = () =>
      composeSupergraph([
        { name: 'prices', url: 'http://127.0.0.1:1/graphql', sdl: prices },
        { name: 'prices-again', url: 'http://127.0.0.1:2/graphql', sdl: prices },
      ]);
    expect(compose).toThrow(/The subgraphs prices, prices-again do not compose \(\d+ errors?\):\n {2}- [^]*Query\.currency[^]*INVALID_FIELD_SHARING/);
  });
});
