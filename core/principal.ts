import { createHmac, timingSafeEqual } from 'node:crypto';

/** Who is asking: a person, an integration's token, or a Hostgraph process acting for itself. */
export interface Principal {
  username: string;
  groups: string[];
  scopes: string[];
  admin: boolean;
  kind: 'user' | 'token' | 'service';
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
