import { HostgraphError, type ErrorCode } from '../errors.js';
import { currentLogContext } from '../observability/log-context.js';
import { PRINCIPAL_HEADER, servicePrincipal, signPrincipal, type Principal } from '../principal.js';

/**
 * How one Hostgraph process asks a subgraph for something on its own behalf: GraphQL straight to
 * the subgraph, signed as a service. Refusals keep their code and words; a subgraph that cannot be
 * reached (or answers without data) is SERVICE_UNAVAILABLE, which task steps treat as transient.
 */
export class SubgraphClient {
  constructor(
    /** The subgraph's name, for messages: "the identity service is unreachable". */
    readonly subgraph: string,
    private readonly url: string,
    private readonly secret: string,
    /** Names the calling process in the subgraph's logs and audit entries. */
    private readonly caller: string,
    private readonly timeoutMs = 5000,
  ) {}

  /**
   * `as` asks on behalf of a caller instead (their principal, signed by this process): the other
   * subgraph then answers what that caller may see, e.g. whether they may see a site.
   */
  async call<T>(query: string, variables: Record<string, unknown> = {}, options: { as?: Principal } = {}): Promise<T> {
    let response: Response;
    // The request (or task) this call is part of, so the other subgraph's log lines say so too.
    const { requestId, taskId } = currentLogContext();
    const correlation = requestId ?? (taskId ? `task:${taskId}` : undefined);
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          [PRINCIPAL_HEADER]: signPrincipal(options.as ?? servicePrincipal(this.caller), this.secret),
          ...(correlation ? { 'x-request-id': correlation } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new HostgraphError('SERVICE_UNAVAILABLE', `The ${this.subgraph} service is unreachable (${cause}); try again shortly`);
    }
    const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
    const [error] = body.errors ?? [];
    if (error) {
      const { code, ...extensions } = error.extensions ?? {};
      throw new HostgraphError((typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR') as ErrorCode, error.message, extensions);
    }
    if (!response.ok || !body.data) {
      throw new HostgraphError('SERVICE_UNAVAILABLE', `The ${this.subgraph} service answered HTTP ${response.status}; try again shortly`);
    }
    return body.data;
  }
}
