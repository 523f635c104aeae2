import { createPubSub } from '@graphql-yoga/subscription';
import { execute, parse, subscribe, type ExecutionResult } from 'graphql';
import { Arg, Field, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { describe, expect, it } from 'vitest';
import { buildFederatedSchema, printSubgraphSdl } from '../../core/graphql/federated-schema.js';
import { buildPriceSchema, PriceResolver } from './fixtures/price-subgraph.js';
import { buildWidgetSchema } from './fixtures/widget-subgraph.js';

@ObjectType()
class Chime {
  @Field(() => String)
  text!: string;
}

@Resolver()
class ChimeResolver {
  @Query(() => String)
  hello(): string {
    return 'hello';
  }

  @Subscription(() => Chime, { topics: 'CHIMES', filter: ({ payload, args }) => payload.text.startsWith(args.prefix) })
  chimed(@Root() chime: Chime, @Arg('prefix', () => String) _prefix: string): Chime {
    return chime;
  }
}

describe('buildFederatedSchema', () => {
  it('prints a subgraph SDL with its federation link and keys', async () => {
    const sdl = printSubgraphSdl(await buildWidgetSchema());
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7"');
    expect(sdl).toMatch(/type Widget\s+@key\(fields: "id"\)/);
    expect(sdl).toContain('widgetMade: Widget!');
  });

  it('keeps __resolveReference: _entities resolves with the request’s context', async () => {
    const result = (await execute({
      schema: await buildPriceSchema(),
      document: parse('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Widget { id price pricedFor } } }'),
      variableValues: { r: [{ __typename: 'Widget', id: '3' }] },
      contextValue: { principal: { username: 'erin', groups: [], scopes: [], admin: false, kind: 'user' } },
    })) as ExecutionResult;
    expect(result).toEqual({ data: { _entities: [{ id: '3', price: 300, pricedFor: 'erin' }] } });
  });

  it('keeps subscriptions that use topics of the pub/sub it is given', async () => {
    const pubSub = createPubSub<{ CHIMES: [Chime] }>();
    const schema = await buildFederatedSchema({ resolvers: [ChimeResolver], pubSub });
    const stream = (await subscribe({ schema, document: parse('subscription { chimed(prefix: "d") { text } }') })) as AsyncGenerator<ExecutionResult>;
    const next = stream.next();
    for (const text of ['bell', 'ding', 'dong']) pubSub.publish('CHIMES', { text });
    expect((await next).value).toEqual({ data: { chimed: { text: 'ding' } } });
    expect((await stream.next()).value).toEqual({ data: { chimed: { text: 'dong' } } });
    await stream.return(undefined);
  });

  it('refuses a reference resolver for a type the subgraph does not have', async () => {
    await expect(
      buildFederatedSchema({ resolvers: [PriceResolver], referenceResolvers: { Gadget: { __resolveReference: () => null } } }),
    ).rejects.toThrow(/Gadget, which is not a type of this subgraph/);
  });
});
