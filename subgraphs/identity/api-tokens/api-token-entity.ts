import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ApiTokenScope } from '../../../core/principal.js';

export const ApiTokenEntity = defineEntity({
  name: 'IdentityApiToken',
  tableName: 'identity_api_tokens',
  properties: {
    id: p.uuid().primary(),
    username: p.string().length(255).index(),
    name: p.string().length(100),
    scopes: p.json<ApiTokenScope[]>(),
    /** SHA-256 of the secret; the secret itself is shown once and never stored. */
    secretHash: p.string().length(64).unique(),
    /** The secret's first characters, so its owner can tell tokens apart. */
    prefix: p.string().length(16),
    createdAt: p.datetime(),
    expiresAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.string().length(255).nullable(),
  },
});
export type ApiToken = InferEntity<typeof ApiTokenEntity>;
