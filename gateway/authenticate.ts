import { createRemoteJWKSet, errors as jose, jwtVerify, type JWTPayload } from 'jose';
import type { Config } from '../core/config.js';
import type { ErrorCode } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import { looksLikeApiToken } from '../subgraphs/identity/api-tokens/token-secret.js';

/** A token was sent but is not one we accept: the caller hears 401 with this message. */
export class AuthenticationError extends Error {}

/** We cannot tell whether the token is good (the identity provider's keys are out of reach): 503, not 401. */
export class IdentityProviderUnavailable extends Error {}

/** How a refused caller is answered: 401 for a bad token, 503 when tokens cannot be checked; null for a bug. */
export function authenticationRefusal(error: unknown): { status: 401 | 503; code: ErrorCode; message: string } | null {
  if (error instanceof AuthenticationError) return { status: 401, code: 'UNAUTHENTICATED', message: error.message };
  if (error instanceof IdentityProviderUnavailable) return { status: 503, code: 'SERVICE_UNAVAILABLE', message: error.message };
  return null;
}

/** `Authorization` header value → principal; null for an anonymous caller (no header). */
export type Authenticate = (authorization: string | null | undefined) => Promise<Principal | null>;

/**
 * Adds what the token does not say, e.g. groups from LDAP once the identity subgraph exists. It may
 * throw AuthenticationError to refuse the caller (a locked account).
 */
export type EnrichPrincipal = (principal: Principal) => Promise<Principal>;

export interface AuthenticatorOptions {
  enrichPrincipal?: EnrichPrincipal;
  /** Checks API tokens (`hgt_…`); without it they are refused like any unknown token. */
  authenticateApiToken?: (secret: string) => Promise<Principal>;
}

type AuthConfig = Pick<Config, 'devTokens' | 'jwt' | 'adminGroups'>;

const isJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

/** Tells the caller what to do about a token jose refused, in words rather than error codes. */
function explainRefusal(error: unknown, issuer: string): Error {
  if (error instanceof jose.JWTExpired) {
    const exp = typeof error.payload.exp === 'number' ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : '';
    return new AuthenticationError(`The token expired${exp}: sign in again to get a new one`);
  }
  if (error instanceof jose.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new AuthenticationError('The token is not valid yet (nbf): check the clocks, or wait');
    return new AuthenticationError(`The token was refused (${error.message}): use a token that ${issuer} issued for this API`);
  }
  if (error instanceof jose.JWSSignatureVerificationFailed || error instanceof jose.JWKSNoMatchingKey) {
    return new AuthenticationError(`The token's signature matches no key of ${issuer}: use a token that ${issuer} issued`);
  }
  if (error instanceof jose.JOSEAlgNotAllowed || error instanceof jose.JOSENotSupported) {
    return new AuthenticationError(`The token is signed with an algorithm this API does not accept: use a token that ${issuer} issued`);
  }
  if (error instanceof jose.JWSInvalid || error instanceof jose.JWTInvalid) {
    return new AuthenticationError(`The token is malformed (${error.message}): copy the whole token again`);
  }
  return new IdentityProviderUnavailable(`Tokens cannot be checked right now: the keys of ${issuer} are out of reach (${(error as Error).message})`);
}

function principalFromClaims(payload: JWTPayload, jwt: NonNullable<Config['jwt']>, adminGroups: string[]): Principal {
  const username = payload[jwt.usernameClaim] ?? payload.sub;
  if (typeof username !== 'string' || !username) {
    throw new AuthenticationError(`The token names nobody: it has no "${jwt.usernameClaim}" claim; ask for a token that does`);
  }
  const rawGroups = payload[jwt.groupsClaim];
  const groups = Array.isArray(rawGroups) ? rawGroups.filter((group): group is string => typeof group === 'string') : [];
  return {
    username,
    groups,
    scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    admin: groups.some((group) => adminGroups.includes(group)),
    kind: 'user',
  };
}

/**
 * Turns `Authorization: Bearer …` into a principal: a dev token from configuration, an API token
 * (checked by identity), or a JWT of the configured issuer, verified against its JWKS. No header is an anonymous caller (null); a token
 * that is present but not good is an AuthenticationError.
 */
export function createAuthenticator(config: AuthConfig, options: AuthenticatorOptions = {}): Authenticate {
  const jwt = config.jwt;
  // createRemoteJWKSet caches the keys and refetches when a token names a kid it has not seen.
  const jwks = jwt ? createRemoteJWKSet(new URL(jwt.jwksUrl)) : null;
  const enrich = options.enrichPrincipal ?? (async (principal: Principal) => principal);

  const fromToken = async (token: string): Promise<Principal> => {
    const dev = Object.hasOwn(config.devTokens, token) ? config.devTokens[token] : undefined;
    if (dev) {
      const groups = dev.groups ?? [];
      return {
        username: dev.username,
        groups,
        scopes: ['*'],
        admin: Boolean(dev.admin) || groups.some((group) => config.adminGroups.includes(group)),
        kind: 'user',
      };
    }
    if (options.authenticateApiToken && looksLikeApiToken(token)) return options.authenticateApiToken(token);
    if (!jwt || !jwks || !isJwt(token)) {
      throw new AuthenticationError('The token is not one this API knows: check that you copied all of it, or get a new one');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer: jwt.issuer, audience: jwt.audience }));
    } catch (error) {
      throw explainRefusal(error, jwt.issuer);
    }
    return principalFromClaims(payload, jwt, config.adminGroups);
  };

  return async (authorization) => {
    if (authorization == null || authorization.trim() === '') return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw new AuthenticationError('The Authorization header must read "Bearer <token>"');
    return enrich(await fromToken(match[1]!));
  };
}
