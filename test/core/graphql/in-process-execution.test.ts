import { buildSchema, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { inProcessExecutor } from '../../../core/graphql/in-process-execution.js';
import { createLogger } from '../../../core/logger.js';

const schema = buildSchema('type Query { hello(name: String!): String }');
schema.getQueryType()!.getFields().hello!.resolve = (_source, { name }) => `hello ${name}`;

const executor = () =>
  inProcessExecutor({ name: 'greeting', schema, log: createLogger('silent'), contextFor: async () => ({}), maskUnexpected: (result) => result });

describe('in-process execution', () => {
  it('answers an operation whose document is rebuilt for every request, as the gateway sends them', async () => {
    const execute = executor();
    for (let i = 0; i < 3; i++) {
      expect(await execute({ document: parse('{ hello(name: "ada") }'), principal: null })).toEqual({ data: { hello: 'hello ada' } });
    }
  });

  it('refuses an invalid document every time it comes, never remembering it as valid', async () => {
    const execute = executor();
    for (let i = 0; i < 2; i++) {
      const result = (await execute({ document: parse('{ hello goodbye }'), principal: null })) as ExecutionResult;
      expect(result.data).toBeUndefined();
      expect(result.errors?.map((error) => error.message)).toEqual([
        'Field "hello" argument "name" of type "String!" is required, but it was not provided.',
        'Cannot query field "goodbye" on type "Query".',
      ]);
    }
  });
});
