import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema, createResolversMap, type NonEmptyArray } from 'type-graphql';

const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

export type ReferenceResolvers = Record<string, { __resolveReference: (reference: any, context: any) => unknown }>;

/**
 * type-graphql classes → an Apollo subgraph schema, as type-graphql's own federation example does.
 * `__resolveReference` must be in the map handed to buildSubgraphSchema: added later, it is lost.
 */
export async function buildFederatedSchema(options: {
  resolvers: NonEmptyArray<Function>;
  referenceResolvers?: ReferenceResolvers;
  orphanedTypes?: Function[];
}): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: options.resolvers,
    orphanedTypes: options.orphanedTypes,
    skipCheck: true,
    // Our subscriptions bring their own `subscribe`; type-graphql insists on a pub/sub regardless.
    pubSub: createPubSub(),
  });
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as Record<string, any>;
  for (const [type, reference] of Object.entries(options.referenceResolvers ?? {})) {
    resolvers[type] = { ...resolvers[type], ...reference };
  }
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}

/** The SDL the gateway composes. */
export const printSubgraphSdl = (schema: GraphQLSchema) => printSubgraphSchema(schema);
