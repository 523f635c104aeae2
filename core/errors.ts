import { GraphQLError } from 'graphql';

/** The codes a caller can act on; every refusal carries one in `extensions.code`. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'QUOTA_EXCEEDED'
  /** No hypervisor host has room for the VM; retrying will not help until capacity is added. */
  | 'NO_CAPACITY'
  /** A platform admin suspended the site: only a platform admin can lift it. */
  | 'SITE_SUSPENDED'
  /** The site is cancelled and waits to be destroyed: nothing runs on it but deleteSite. */
  | 'SITE_CANCELLED'
  /** No address pool of the asked purpose has a free address; retrying will not help until one is added. */
  | 'POOL_EXHAUSTED'
  /** A vhost name that is not one of the site's ACTIVE domain names: request it (requestDomainName), then verify it or wait for approval. */
  | 'DOMAIN_NAME_NOT_ACTIVE'
  // Refusals of the request itself, before any resolver runs:
  | 'BAD_REQUEST'
  | 'GRAPHQL_PARSE_FAILED'
  | 'QUERY_TOO_DEEP'
  | 'PAYLOAD_TOO_LARGE'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export class HostgraphError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export const badInput = (message: string, field?: string) =>
  new HostgraphError('BAD_USER_INPUT', message, field ? { field } : {});
export const notFound = (what: string, id: string) => new HostgraphError('NOT_FOUND', `${what} ${id} does not exist`);
export const forbidden = (message: string) => new HostgraphError('FORBIDDEN', message);
export const conflict = (message: string) => new HostgraphError('CONFLICT', message);
export const noCapacity = (message: string, extensions: Record<string, unknown> = {}) => new HostgraphError('NO_CAPACITY', message, extensions);
export const poolExhausted = (message: string, extensions: Record<string, unknown> = {}) => new HostgraphError('POOL_EXHAUSTED', message, extensions);
export const unauthenticated = () =>
  new HostgraphError('UNAUTHENTICATED', 'Sign in: send Authorization: Bearer <token>');
