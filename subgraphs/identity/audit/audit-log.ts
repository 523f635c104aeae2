import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { decodeCursor, pageSize, toPage, type Page } from '../../../core/graphql/connection.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import { forbidden } from '../../../core/errors.js';
import { requireScope, type Principal } from '../../../core/principal.js';
import { KnownSiteEntity, SiteGrantEntity } from '../site-access/site-access-entities.js';
import { AuditEntryEntity, type AuditEntry, type AuditOutcome } from './audit-entry-entity.js';
import { redactArguments, redactText } from './redact-arguments.js';

export interface NewAuditEntry {
  actor: string;
  actorKind: string;
  tokenId?: string | null;
  operation: string;
  operationName?: string | null;
  arguments: Record<string, unknown>;
  siteId?: string | null;
  /** For mutations that name a site by name only (createSite): resolved to its id when identity knows it. */
  siteName?: string | null;
  target?: string | null;
  outcome: AuditOutcome;
  errorCode?: string | null;
  errorMessage?: string | null;
  requestId?: string | null;
  at?: Date;
}

export interface AuditFilter {
  actor?: string | null;
  operation?: string | null;
  siteId?: string | null;
  outcome?: AuditOutcome | null;
  since?: Date | null;
  until?: Date | null;
}

/** Free text as stored: secrets pasted into it replaced, then shortened. */
const clip = (text: string | null | undefined, length: number) => (text ? redactText(text).slice(0, length) : null);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who changed what, on what, when, and how it went: every mutation, through any subgraph. */
export class AuditLog {
  constructor(private readonly orm: MikroORM) {}

  async record(...entries: NewAuditEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const em = this.orm.em.fork();
    const names = [...new Set(entries.filter((entry) => !entry.siteId && entry.siteName).map((entry) => entry.siteName!))];
    const known = names.length ? await em.find(KnownSiteEntity, { name: { $in: names } }, { orderBy: { createdAt: 'desc' } }) : [];
    const siteIdOf = (entry: NewAuditEntry) => {
      if (entry.siteId) return UUID.test(entry.siteId) ? entry.siteId.toLowerCase() : null;
      return known.find((site) => site.name === entry.siteName)?.siteId ?? null;
    };
    await em.insertMany(
      AuditEntryEntity,
      entries.map((entry) => ({
        id: randomUUID(),
        at: entry.at ?? new Date(),
        actor: entry.actor.slice(0, 255),
        actorKind: entry.actorKind.slice(0, 16),
        tokenId: entry.tokenId && UUID.test(entry.tokenId) ? entry.tokenId : null,
        operation: entry.operation.slice(0, 128),
        operationName: clip(entry.operationName, 255),
        // Redacted here too: whatever a caller sends, no secret is stored.
        arguments: redactArguments(entry.arguments) as Record<string, unknown>,
        siteId: siteIdOf(entry),
        target: clip(entry.target ?? (entry.siteName ? `site ${entry.siteName}` : null), 255),
        outcome: entry.outcome,
        errorCode: clip(entry.errorCode, 64),
        errorMessage: clip(entry.errorMessage, 2000),
        requestId: clip(entry.requestId, 128),
      })),
    );
    return entries.length;
  }

  /** Platform admins read everything; anyone else the entries of the sites they administer. */
  async list(principal: Principal, filter: AuditFilter, first?: number | null, after?: string | null): Promise<Page<AuditEntry>> {
    const limit = pageSize(first);
    const em = this.orm.em.fork();
    const conditions: object[] = [];
    const siteId = filter.siteId ? validateId(filter.siteId, 'siteId') : null;
    if (!principal.admin) {
      requireScope(principal, 'sites:read');
      const grants = await em.find(
        SiteGrantEntity,
        {
          role: 'ADMIN',
          $or: [{ granteeKind: 'USER', grantee: principal.username }, ...(principal.groups.length ? [{ granteeKind: 'GROUP' as const, grantee: { $in: principal.groups } }] : [])],
        },
        { fields: ['siteId'] },
      );
      const administered = [...new Set(grants.map((grant) => grant.siteId))];
      if (siteId && !administered.includes(siteId)) {
        throw forbidden(`You are not an admin of site ${siteId}: only its admins and platform admins may read its audit log`);
      }
      conditions.push({ siteId: { $in: administered } });
    }
    if (filter.actor) conditions.push({ actor: filter.actor });
    if (filter.operation) conditions.push({ operation: filter.operation });
    if (siteId) conditions.push({ siteId });
    if (filter.outcome) conditions.push({ outcome: filter.outcome });
    if (filter.since) conditions.push({ at: { $gte: filter.since } });
    if (filter.until) conditions.push({ at: { $lt: filter.until } });
    const where = { $and: conditions };
    // Newest first; (at, id) so entries of the same millisecond still page exactly.
    let cursor = {};
    if (after) {
      const [at, id] = decodeCursor(after, ['number', 'string']) as [number, string];
      cursor = { $or: [{ at: { $lt: new Date(at) } }, { at: new Date(at), id: { $lt: id } }] };
    }
    const [rows, total] = await Promise.all([
      em.find(AuditEntryEntity, { $and: [where, cursor] }, { orderBy: { at: 'desc', id: 'desc' }, limit: limit + 1 }),
      em.count(AuditEntryEntity, where),
    ]);
    return toPage(rows, limit, total, (entry) => [entry.at.getTime(), entry.id], (entry) => entry);
  }
}
