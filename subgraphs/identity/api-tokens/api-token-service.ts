import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { Bus } from '../../../core/bus/bus.js';
import { badInput, conflict, forbidden, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Logger } from '../../../core/logger.js';
import { API_TOKEN_SCOPES, type ApiTokenScope, type Principal } from '../../../core/principal.js';
import { API_TOKENS_REVOKED_CHANNEL, type ApiTokensRevoked } from '../identity-channels.js';
import { UserEntity } from '../people/people-entities.js';
import { ApiTokenEntity, type ApiToken } from './api-token-entity.js';
import { hashTokenSecret, newTokenSecret } from './token-secret.js';

const MAX_NAME = 100;
const MAX_TOKENS_PER_USER = 100;

/** What the gateway learns from a token secret it was shown. */
export type TokenCheck =
  | { valid: true; tokenId: string; username: string; scopes: ApiTokenScope[]; expiresAt: Date | null }
  | { valid: false; reason: string };

/** API tokens for departmental scripts: the secret is shown once, only its hash is kept. */
export class ApiTokenService {
  constructor(
    private readonly orm: MikroORM,
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  async create(principal: Principal, input: { name: string; scopes: ApiTokenScope[]; expiresAt?: Date | null }, now = new Date()): Promise<{ token: ApiToken; secret: string }> {
    const name = input.name.trim();
    if (!name || name.length > MAX_NAME || /[\x00-\x1f\x7f]/.test(name)) {
      throw badInput(`name must be 1–${MAX_NAME} characters of plain text, so you can tell your tokens apart`, 'name');
    }
    const scopes = [...new Set(input.scopes)].sort() as ApiTokenScope[];
    if (scopes.length === 0) throw badInput(`Give the token at least one scope: ${API_TOKEN_SCOPES.join(', ')}`, 'scopes');
    if (scopes.includes('admin') && !principal.admin) throw forbidden('Only platform admins may create tokens with the admin scope');
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
      throw badInput(`expiresAt ${input.expiresAt.toISOString()} is in the past; choose a later time, or none for a token that does not expire`, 'expiresAt');
    }
    const em = this.orm.em.fork();
    const live = await em.find(ApiTokenEntity, { username: principal.username, revokedAt: null });
    if (live.some((token) => token.name === name)) throw conflict(`You already have a token named "${name}"; revoke it or choose another name`);
    if (live.length >= MAX_TOKENS_PER_USER) throw conflict(`You already have ${MAX_TOKENS_PER_USER} tokens; revoke the ones you no longer use`);
    const secret = newTokenSecret();
    const token = {
      id: randomUUID(),
      username: principal.username,
      name,
      scopes,
      secretHash: hashTokenSecret(secret),
      prefix: secret.slice(0, 12),
      createdAt: now,
      expiresAt: input.expiresAt ?? null,
      lastUsedAt: null,
      revokedAt: null,
      revokedReason: null,
    };
    await em.insert(ApiTokenEntity, token);
    return { token, secret };
  }

  async list(username: string): Promise<ApiToken[]> {
    return this.orm.em.fork().find(ApiTokenEntity, { username }, { orderBy: { createdAt: 'desc', id: 'asc' } });
  }

  /** Token names by id, for readers of the audit log: which script acted. */
  async namesOf(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const tokens = await this.orm.em.fork().find(ApiTokenEntity, { id: { $in: [...new Set(ids)] } }, { fields: ['id', 'name'] });
    return new Map(tokens.map((token) => [token.id, token.name]));
  }

  /** Your own tokens; platform admins may revoke anyone's. Revoking twice is a no-op. */
  async revoke(principal: Principal, id: string): Promise<ApiToken> {
    const em = this.orm.em.fork();
    const token = await em.findOne(ApiTokenEntity, { id: validateId(id) });
    if (!token || (token.username !== principal.username && !principal.admin)) throw notFound('API token', id);
    if (!token.revokedAt) {
      token.revokedAt = new Date();
      token.revokedReason = token.username === principal.username ? 'revoked by its owner' : `revoked by ${principal.username}`;
      await em.flush();
      await this.announce([token.id]);
    }
    return token;
  }

  /** Checks a secret's hash and notes the use; the gateway caches the answer briefly. */
  async check(secretHash: string, now = new Date()): Promise<TokenCheck> {
    const em = this.orm.em.fork();
    const token = await em.findOne(ApiTokenEntity, { secretHash });
    if (!token) return { valid: false, reason: 'The API token is not one this API knows: check that you copied all of it' };
    if (token.revokedAt) return { valid: false, reason: `The API token "${token.name}" was revoked (${token.revokedReason ?? 'revoked'}); create a new one` };
    if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) {
      return { valid: false, reason: `The API token "${token.name}" expired at ${token.expiresAt.toISOString()}; create a new one` };
    }
    const owner = await em.findOne(UserEntity, { username: token.username }, { fields: ['active'] });
    if (owner && !owner.active) return { valid: false, reason: `The API token "${token.name}" belongs to ${token.username}, who has left` };
    await em.nativeUpdate(ApiTokenEntity, { id: token.id }, { lastUsedAt: now });
    return { valid: true, tokenId: token.id, username: token.username, scopes: token.scopes, expiresAt: token.expiresAt ?? null };
  }

  /** Tokens of people who left stop working; run after every sync, so one missed is caught next time. */
  async revokeTokensOfInactiveUsers(): Promise<string[]> {
    const em = this.orm.em.fork();
    const inactive = (await em.find(UserEntity, { active: false }, { fields: ['username'] })).map((user) => user.username);
    if (inactive.length === 0) return [];
    const tokens = await em.find(ApiTokenEntity, { username: { $in: inactive }, revokedAt: null }, { fields: ['id'] });
    if (tokens.length === 0) return [];
    const ids = tokens.map((token) => token.id);
    await em.nativeUpdate(ApiTokenEntity, { id: { $in: ids } }, { revokedAt: new Date(), revokedReason: 'its owner left the directory' });
    this.logger.info({ count: ids.length }, 'revoked the API tokens of people who left');
    await this.announce(ids);
    return ids;
  }

  private async announce(tokenIds: string[]) {
    const message: ApiTokensRevoked = { tokenIds };
    await this.bus.publish(API_TOKENS_REVOKED_CHANNEL, message).catch((error) => this.logger.warn({ err: error }, 'token revocation not published; gateways forget it when their cache lapses'));
  }
}
