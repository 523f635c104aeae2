import { createHmac, timingSafeEqual } from 'node:crypto';
import { forbidden, unauthenticated } from './errors.js';

/** Who is asking: a person, an integration's token, or a Hostgraph process acting for itself. */
export interface Principal {
  username: string;
  /** Every group the person belongs to, nested groups followed. */
  groups: string[];
  scopes: string[];
  admin: boolean;
  kind: 'user' | 'token' | 'service';
  /** For `kind: 'token'`: which API token acts, so the audit log can name it. */
  tokenId?: string;
}

export function signedIn(principal: Principal | null): Principal {
  if (!principal) throw unauthenticated();
  return principal;
}

/** For fields only Hostgraph's own processes call (the gateway, hosting, the worker). */
export function requireService(principal: Principal | null): Principal {
  const caller = signedIn(principal);
  if (caller.kind !== 'service') throw forbidden('Only Hostgraph itself may call this');
  return caller;
}

export function requirePlatformAdmin(principal: Principal | null, action: string): Principal {
  const caller = signedIn(principal);
  if (!caller.admin) throw forbidden(`Only platform admins may ${action}`);
  return caller;
}

/** What an API token may be allowed to do; people and services are not narrowed by scopes. */
export const API_TOKEN_SCOPES = ['sites:read', 'sites:write', 'tasks:read', 'admin'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

/** `sites:write` includes reading sites: a script that changes a site must see what it changes. */
const IMPLIED_SCOPES: Partial<Record<ApiTokenScope, ApiTokenScope[]>> = { 'sites:read': ['sites:write'] };

export function hasScope(principal: Principal, scope: ApiTokenScope): boolean {
  if (principal.kind !== 'token') return true;
  return [scope, ...(IMPLIED_SCOPES[scope] ?? [])].some((granted) => principal.scopes.includes(granted));
}

export function requireScope(principal: Principal, scope: ApiTokenScope): Principal {
  if (!hasScope(principal, scope)) throw forbidden(`This API token lacks the ${scope} scope; create a token that has it`);
  return principal;
}

/** Keys, tokens and quotas are managed by people signed in themselves, never by a token. */
export function requirePerson(principal: Principal, action: string): Principal {
  if (principal.kind === 'token') throw forbidden(`API tokens may not ${action}; sign in as yourself to do it`);
  return principal;
}

/** The header the gateway sets and every subgraph requires. */
export const PRINCIPAL_HEADER = 'x-hostgraph-principal';

/** Long enough for a slow subscription handshake, short enough that a captured header soon stops working. */
const SIGNATURE_LIFETIME_SECONDS = 300;

interface SignedPayload {
  p: Principal | null;
  exp: number;
}

const mac = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('base64url');

/** `null` signs an anonymous caller: subgraphs still know the request came through the gateway. */
export function signPrincipal(principal: Principal | null, secret: string, now = Date.now()): string {
  const payload: SignedPayload = { p: principal, exp: Math.floor(now / 1000) + SIGNATURE_LIFETIME_SECONDS };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

export type Verified = { valid: true; principal: Principal | null } | { valid: false; reason: string };

export function verifyPrincipal(header: string | null | undefined, secret: string, now = Date.now()): Verified {
  if (!header) return { valid: false, reason: 'missing principal signature' };
  const [body, signature] = header.split('.');
  if (!body || !signature) return { valid: false, reason: 'malformed principal header' };
  const expected = Buffer.from(mac(body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { valid: false, reason: 'bad principal signature' };
  }
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SignedPayload;
  if (payload.exp * 1000 < now) return { valid: false, reason: 'principal signature expired' };
  return { valid: true, principal: payload.p };
}

/** The worker's own identity when it calls subgraphs on its own behalf. */
export const servicePrincipal = (name: string): Principal => ({
  username: `service:${name}`,
  groups: [],
  scopes: ['*'],
  admin: true,
  kind: 'service',
});
