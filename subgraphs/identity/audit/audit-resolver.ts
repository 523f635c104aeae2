import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Page } from '../../../core/graphql/connection.js';
import { requireService, signedIn } from '../../../core/principal.js';
import type { IdentityContext } from '../identity-context.js';
import type { AuditEntry as AuditEntryRow } from './audit-entry-entity.js';
import { AuditEntry, AuditEntryConnection, AuditEntryInput, AuditFilter } from './audit-types.js';

const toAuditEntry = (row: AuditEntryRow, tokenNames: Map<string, string>): AuditEntry => ({
  ...row,
  tokenId: row.tokenId ?? null,
  tokenName: row.tokenId ? (tokenNames.get(row.tokenId) ?? null) : null,
  operationName: row.operationName ?? null,
  site: row.siteId ? { id: row.siteId } : null,
  target: row.target ?? null,
  errorCode: row.errorCode ?? null,
  errorMessage: row.errorMessage ?? null,
  requestId: row.requestId ?? null,
});

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => AuditEntryConnection, { description: 'Mutations, newest first: all of them for platform admins, those on the sites you administer for site admins (tokens need sites:read).' })
  async auditLog(
    @Ctx() context: IdentityContext,
    @Arg('filter', () => AuditFilter, { nullable: true }) filter?: AuditFilter,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; 20 when omitted.' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Page<AuditEntry>> {
    const page = await context.audit.list(signedIn(context.principal), filter ?? {}, first, after);
    const tokenNames = await context.apiTokens.namesOf(page.edges.flatMap((edge) => (edge.node.tokenId ? [edge.node.tokenId] : [])));
    return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toAuditEntry(edge.node, tokenNames) })) };
  }

  @Mutation(() => Int, { description: 'Internal: the gateway records the mutations it forwarded.' })
  async recordAudit(@Arg('entries', () => [AuditEntryInput]) entries: AuditEntryInput[], @Ctx() context: IdentityContext): Promise<number> {
    requireService(context.principal);
    return context.audit.record(...entries);
  }
}
