import { Counter, Gauge, Histogram } from 'prom-client';

/** GraphQL operations as each server (the gateway, each subgraph) answered them. */
export const graphqlMetrics = {
  operations: new Histogram({
    name: 'hostgraph_graphql_operation_seconds',
    help: 'GraphQL operations by server, operation name and type, with their latency',
    labelNames: ['server', 'operation', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  errors: new Counter({
    name: 'hostgraph_graphql_errors_total',
    help: 'GraphQL errors by server, operation name and error code',
    labelNames: ['server', 'operation', 'code'] as const,
  }),
  subscriptions: new Gauge({ name: 'hostgraph_graphql_subscriptions', help: 'Subscriptions open now, by server', labelNames: ['server'] as const }),
};

/** Operation names come from callers: bounded so a client cannot grow the label set without end. */
export const operationLabel = (name: string | null | undefined) => (name && /^\w{1,64}$/.test(name) ? name : 'anonymous');

export interface OperationOutcome {
  server: string;
  operation: string | null | undefined;
  type: string;
  seconds: number;
  errorCodes: string[];
}

export function recordOperation({ server, operation, type, seconds, errorCodes }: OperationOutcome) {
  const name = operationLabel(operation);
  graphqlMetrics.operations.observe({ server, operation: name, type }, seconds);
  for (const code of errorCodes) graphqlMetrics.errors.inc({ server, operation: name, code });
}
