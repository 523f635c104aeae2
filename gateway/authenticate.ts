import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Config } from '../core/config.js';
import type { Principal } from '../core/principal.js';

/** A token was sent but is not one we accept: the caller hears 401 with this reason. */
export class AuthenticationError extends Error {}

export type Authenticate = (authorization: string | null | undefined) => Promise<Principal | null>;

/**
 * Turns `Authorization: Bearer …` into a principal: a dev token from configuration, or a JWT from
 * the configured issuer. No header is an anonymous caller (null); a bad token is an error.
 */
export function createAuthenticator(config: Pick<Config, 'devTokens' | 'jwt' | 'adminGroups'>): Authenticate {
  const jwks = config.jwt ? createRemoteJWKSet(new URL(config.jwt.jwksUrl)) : null;
  return async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw new AuthenticationError('Authorization must be "Bearer <token>"');
    const token = match[1]!;
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
    if (!jwks || !config.jwt || token.split('.').length !== 3) throw new AuthenticationError('Unknown token');
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: config.jwt.issuer, audience: config.jwt.audience });
      const username = payload[config.jwt.usernameClaim] ?? payload.sub;
      if (typeof username !== 'string' || !username) throw new AuthenticationError(`The token has no ${config.jwt.usernameClaim} claim`);
      const rawGroups = payload[config.jwt.groupsClaim];
      const groups = Array.isArray(rawGroups) ? rawGroups.filter((g): g is string => typeof g === 'string') : [];
      return {
        username,
        groups,
        scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [],
        admin: groups.some((group) => config.adminGroups.includes(group)),
        kind: 'user',
      };
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      throw new AuthenticationError(`The token was refused: ${(error as Error).message}`);
    }
  };
}
