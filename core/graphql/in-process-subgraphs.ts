import type { DocumentNode, ExecutionResult } from 'graphql';
import type { Principal } from '../principal.js';

/** One operation for a subgraph, as the gateway's plan sends it. */
export interface InProcessOperation {
  document: DocumentNode;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** Who asks: what the signed header would carry over HTTP. */
  principal: Principal | null;
  /** The gateway's request id, so the subgraph's log lines join the gateway's. */
  requestId?: string;
}

/** A subscription answers with a stream; a query or mutation with one result. */
export type InProcessExecute = (operation: InProcessOperation) => Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>>;

/**
 * The subgraphs a process serves itself, by URL. The gateway of the same process calls them here
 * instead of over HTTP: the same schema, resolvers, error masking and metrics, without a loopback
 * round trip and its parsing at both ends. (Subgraphs' clients of each other still use HTTP.)
 * Processes of a split deployment find nothing here and go over HTTP.
 */
export class InProcessSubgraphs {
  readonly #byUrl = new Map<string, InProcessExecute>();

  register(url: string, execute: InProcessExecute): () => void {
    const key = normalized(url);
    this.#byUrl.set(key, execute);
    return () => {
      if (this.#byUrl.get(key) === execute) this.#byUrl.delete(key);
    };
  }

  find(url: string | undefined): InProcessExecute | undefined {
    return url === undefined ? undefined : this.#byUrl.get(normalized(url));
  }
}

const normalized = (url: string) => (URL.canParse(url) ? new URL(url).href : url);
