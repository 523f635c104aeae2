import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { createPubSub } from '@graphql-yoga/subscription';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type NonEmptyArray, type PubSub } from 'type-graphql';

/** The federation directives a subgraph may put on its classes and fields with `@Directive`. */
const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

/** `__resolveReference` per entity type: how this subgraph turns `{ __typename, id }` into an object. */
export type ReferenceResolvers = Record<string, { __resolveReference: (reference: any, context: any, info: any) => unknown }>;

export interface FederatedSchemaOptions {
  resolvers: NonEmptyArray<Function>;
  referenceResolvers?: ReferenceResolvers;
  /** For `@Subscription({ topics })`; subscriptions with their own `subscribe` need none. */
  pubSub?: PubSub;
  orphanedTypes?: Function[];
}

/**
 * type-graphql classes → an Apollo subgraph schema, as type-graphql's own apollo-federation-2
 * example does. `__resolveReference` must be in the map handed to buildSubgraphSchema: added to
 * the built schema afterwards, it is lost. createResolversMap keeps each field's `subscribe`.
 */
export async function buildFederatedSchema(options: FederatedSchemaOptions): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: options.resolvers,
    orphanedTypes: options.orphanedTypes,
    // The printed SDL is checked by buildSubgraphSchema, which knows the federation directives.
    skipCheck: true,
    // type-graphql insists on a pub/sub whenever there is a subscription, even one with its own `subscribe`.
    pubSub: options.pubSub ?? createPubSub(),
  });
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as Record<string, any>;
  for (const [type, reference] of Object.entries(options.referenceResolvers ?? {})) {
    if (!resolvers[type]) throw new Error(`referenceResolvers names ${type}, which is not a type of this subgraph`);
    resolvers[type] = { ...resolvers[type], ...reference };
  }
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}

/** The SDL (with federation directives) that composition takes. */
export const printSubgraphSdl = (schema: GraphQLSchema): string => printSubgraphSchema(schema);
