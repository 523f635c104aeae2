import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import { graphqlMetrics, recordOperation } from '../core/observability/graphql-metrics.js';

const SERVER = 'gateway';

type Args = { args: { document: DocumentNode; operationName?: string | null } };

const codesOf = (result: ExecutionResult) => (result.errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
const isStream = (result: unknown): result is AsyncIterable<unknown> => typeof result === 'object' && result !== null && Symbol.asyncIterator in result;

/**
 * Every operation the gateway answers, on /metrics: its name, type, latency and error codes; and
 * how many subscriptions are open, whichever transport carries them (HTTP, SSE, graphql-ws).
 */
export function operationMetricsPlugin() {
  const describe = ({ args }: Args) => {
    const operation = getOperationAST(args.document, args.operationName ?? undefined);
    return { operation: args.operationName ?? operation?.name?.value ?? null, type: operation?.operation ?? 'unknown' };
  };
  return {
    onExecute(payload: Args) {
      const started = performance.now();
      const { operation, type } = describe(payload);
      return {
        onExecuteDone({ result }: { result: ExecutionResult | AsyncIterable<ExecutionResult> }) {
          if (isStream(result)) return;
          recordOperation({ server: SERVER, operation, type, seconds: (performance.now() - started) / 1000, errorCodes: codesOf(result) });
        },
      };
    },
    onSubscribe(payload: Args) {
      const started = performance.now();
      const { operation, type } = describe(payload);
      return {
        onSubscribeResult({ result }: { result: ExecutionResult | AsyncIterable<ExecutionResult> }) {
          // Refused at once (not found, forbidden): an operation that ended with errors.
          if (!isStream(result)) {
            recordOperation({ server: SERVER, operation, type, seconds: (performance.now() - started) / 1000, errorCodes: codesOf(result) });
            return undefined;
          }
          graphqlMetrics.subscriptions.inc({ server: SERVER });
          return {
            onEnd() {
              graphqlMetrics.subscriptions.dec({ server: SERVER });
              recordOperation({ server: SERVER, operation, type, seconds: (performance.now() - started) / 1000, errorCodes: [] });
            },
          };
        },
      };
    },
  };
}
