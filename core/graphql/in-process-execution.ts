import { createGraphQLError, isAsyncIterable } from '@graphql-tools/utils';
import { execute, getOperationAST, print, subscribe, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Logger } from '../logger.js';
import { graphqlMetrics, recordOperation } from '../observability/graphql-metrics.js';
import { withLogContext } from '../observability/log-context.js';
import type { Principal } from '../principal.js';
import type { InProcessExecute } from './in-process-subgraphs.js';

export interface InProcessExecutorOptions {
  name: string;
  schema: GraphQLSchema;
  log: Logger;
  contextFor(principal: Principal | null): Promise<object>;
  /** The subgraph's rule for errors that are bugs: logged, and their words kept from the caller. */
  maskUnexpected<T extends ExecutionResult>(result: T): T;
}

/** Operations whose validity is remembered; past that, the oldest is checked again when it returns. */
const VALIDATED_DOCUMENTS = 1000;

/**
 * Executes operations of this process's own callers against the subgraph's schema, as its HTTP
 * handlers would: validated (once per operation text), counted on
 * /metrics, errors masked, and handed back as the JSON a caller over HTTP would have parsed.
 */
export function inProcessExecutor({ name, schema, log, contextFor, maskUnexpected }: InProcessExecutorOptions): InProcessExecute {
  // The gateway builds each operation's documents anew for every request: known by their text,
  // the same operation is validated once, as Apollo Server's document store does over HTTP.
  const valid = new Set<string>();
  const check = (document: DocumentNode) => {
    const text = print(document);
    if (valid.has(text)) return [];
    const errors = validate(schema, document);
    if (errors.length === 0) {
      valid.add(text);
      if (valid.size > VALIDATED_DOCUMENTS) valid.delete(valid.values().next().value!);
    }
    return errors;
  };
  /** An error crosses as its JSON form, as over HTTP: no resolver's original error rides along. */
  const asReceived = (result: ExecutionResult): ExecutionResult => {
    const masked = maskUnexpected(result);
    if (!masked.errors) return masked;
    return { ...masked, errors: masked.errors.map((error) => { const { message, ...rest } = error.toJSON(); return createGraphQLError(message, rest); }) };
  };

  return ({ document, variables, operationName, principal, requestId }) =>
    withLogContext({ requestId }, async () => {
      const invalid = check(document);
      if (invalid.length > 0) return { errors: invalid };
      const contextValue = await contextFor(principal);
      const type = getOperationAST(document, operationName)?.operation ?? 'unknown';
      if (type === 'subscription') {
        const stream = await subscribe({ schema, document, variableValues: variables, operationName, contextValue });
        if (!isAsyncIterable(stream)) return asReceived(stream);
        return followed(stream, asReceived, name);
      }
      const started = performance.now();
      const result = asReceived(await execute({ schema, document, variableValues: variables, operationName, contextValue }));
      const seconds = (performance.now() - started) / 1000;
      const errorCodes = (result.errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
      recordOperation({ server: name, operation: operationName, type, seconds, errorCodes });
      log.debug({ operationName: operationName ?? null, ms: Math.round(seconds * 1000), errors: errorCodes }, 'operation');
      return result;
    });
}

/** The subscription's results, each as received, counted among the subgraph's subscriptions while it lasts. */
function followed(stream: AsyncGenerator<ExecutionResult> | AsyncIterableIterator<ExecutionResult>, map: (result: ExecutionResult) => ExecutionResult, server: string): AsyncIterableIterator<ExecutionResult> {
  graphqlMetrics.subscriptions.inc({ server });
  let open = true;
  const end = () => {
    if (open) graphqlMetrics.subscriptions.dec({ server });
    open = false;
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      try {
        const step = await stream.next();
        if (step.done) end();
        return step.done ? step : { value: map(step.value), done: false };
      } catch (error) {
        end();
        throw error;
      }
    },
    async return(value?: unknown) {
      end();
      return (await stream.return?.(value as undefined)) ?? { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      end();
      if (stream.throw) return stream.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
