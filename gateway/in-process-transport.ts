import httpTransport from '@graphql-mesh/transport-http';
import type { ExecutionRequest, Executor } from '@graphql-tools/utils';
import type { InProcessSubgraphs } from '../core/graphql/in-process-subgraphs.js';
import type { CallerContext } from './graphql-ws-server.js';

type TransportOptions = Parameters<typeof httpTransport.getSubgraphExecutor>[0];

/**
 * The gateway's transport to its subgraphs: a subgraph this process serves itself is executed
 * here, handed the caller's principal as the signed header would carry it; any other goes over
 * HTTP. In `npm start` that spares every operation a loopback round trip and the HTTP parsing
 * at both of its ends; the query plan, and what each subgraph is asked, stay the same.
 */
export function inProcessOrHttpTransport(inProcess: InProcessSubgraphs) {
  return {
    getSubgraphExecutor(options: TransportOptions): Executor {
      const execute = inProcess.find(options.transportEntry.location);
      if (!execute) return httpTransport.getSubgraphExecutor(options);
      // The executor's result type is generic in its data; ours is the subgraph's JSON, like HTTP's.
      return ((request: ExecutionRequest) => {
        const caller = request.context as Partial<CallerContext> | undefined;
        return execute({
          document: request.document,
          variables: request.variables,
          operationName: request.operationName,
          principal: caller?.principal ?? null,
          requestId: caller?.requestId,
        });
      }) as Executor;
    },
  };
}
