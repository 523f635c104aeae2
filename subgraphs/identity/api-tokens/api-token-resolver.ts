import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requirePerson, requireService, signedIn, type ApiTokenScope } from '../../../core/principal.js';
import type { IdentityContext } from '../identity-context.js';
import type { ApiToken as ApiTokenRow } from './api-token-entity.js';
import { ApiToken, ApiTokenCheck, ApiTokenScopeEnum, CreatedApiToken } from './api-token-types.js';

const toApiToken = (row: ApiTokenRow): ApiToken => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes,
  prefix: row.prefix,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt ?? null,
  lastUsedAt: row.lastUsedAt ?? null,
  revokedAt: row.revokedAt ?? null,
  revokedReason: row.revokedReason ?? null,
});

@Resolver(() => ApiToken)
export class ApiTokenResolver {
  @Query(() => [ApiToken], { description: 'Your API tokens, newest first, revoked ones included.' })
  async apiTokens(@Ctx() context: IdentityContext): Promise<ApiToken[]> {
    const principal = signedIn(context.principal);
    return (await context.apiTokens.list(principal.username)).map(toApiToken);
  }

  @Mutation(() => CreatedApiToken, { description: 'Makes a token that acts as you, narrowed to its scopes. Copy the secret now: it is not shown again.' })
  async createApiToken(
    @Arg('name', () => String) name: string,
    @Arg('scopes', () => [ApiTokenScopeEnum]) scopes: ApiTokenScope[],
    @Ctx() context: IdentityContext,
    @Arg('expiresAt', () => Date, { nullable: true }) expiresAt?: Date,
  ): Promise<CreatedApiToken> {
    const principal = requirePerson(signedIn(context.principal), 'create API tokens');
    const { token, secret } = await context.apiTokens.create(principal, { name, scopes, expiresAt });
    return { token: toApiToken(token), secret };
  }

  @Mutation(() => ApiToken, { description: 'Stops one of your tokens at once, on every gateway.' })
  async revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() context: IdentityContext): Promise<ApiToken> {
    const principal = signedIn(context.principal);
    return toApiToken(await context.apiTokens.revoke(principal, id));
  }

  @Mutation(() => ApiTokenCheck, { description: 'Internal: the gateway checks a token secret’s SHA-256 and notes its use.' })
  async checkApiToken(@Arg('secretHash', () => String) secretHash: string, @Ctx() context: IdentityContext): Promise<ApiTokenCheck> {
    requireService(context.principal);
    const check = await context.apiTokens.check(secretHash);
    if (!check.valid) return { valid: false, reason: check.reason, tokenId: null, username: null, scopes: null, expiresAt: null };
    return { valid: true, reason: null, tokenId: check.tokenId, username: check.username, scopes: check.scopes, expiresAt: check.expiresAt };
  }
}
