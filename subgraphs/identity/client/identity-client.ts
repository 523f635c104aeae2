import { HostgraphError, type ErrorCode } from '../../../core/errors.js';
import { PRINCIPAL_HEADER, servicePrincipal, signPrincipal } from '../../../core/principal.js';
import type { NewAuditEntry } from '../audit/audit-log.js';
import type { EffectiveQuotaView } from '../quotas/quota-service.js';
import type { SiteAccessChange } from '../site-access/site-roles.js';

export interface PrincipalFactsView {
  known: boolean;
  active: boolean;
  groups: string[];
}

export type ApiTokenCheckView =
  | { valid: true; tokenId: string; username: string; scopes: string[]; expiresAt: string | null }
  | { valid: false; reason: string };

const LIMIT = '{ limit source }';
const CHANGE = 'seq siteId role granteeKind grantee granted';

/**
 * How other Hostgraph processes (the gateway, hosting, the worker) ask the identity subgraph:
 * GraphQL straight to it, signed as a service. Its refusals keep their code and words; an
 * identity that cannot be reached is SERVICE_UNAVAILABLE.
 */
export class IdentityClient {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    /** Names the calling process in identity's logs and audit entries. */
    private readonly caller: string,
    private readonly timeoutMs = 5000,
  ) {}

  async principalFacts(username: string): Promise<PrincipalFactsView> {
    const data = await this.call<{ principalFacts: PrincipalFactsView }>(
      'query ($username: String!) { principalFacts(username: $username) { known active groups } }',
      { username },
    );
    return data.principalFacts;
  }

  async checkApiToken(secretHash: string): Promise<ApiTokenCheckView> {
    const data = await this.call<{ checkApiToken: { valid: boolean; reason: string | null; tokenId: string; username: string; scopes: string[]; expiresAt: string | null } }>(
      'mutation ($secretHash: String!) { checkApiToken(secretHash: $secretHash) { valid reason tokenId username scopes expiresAt } }',
      { secretHash },
    );
    const check = data.checkApiToken;
    return check.valid
      ? { valid: true, tokenId: check.tokenId, username: check.username, scopes: check.scopes, expiresAt: check.expiresAt }
      : { valid: false, reason: check.reason ?? 'The API token was refused' };
  }

  async recordSiteCreation(site: { siteId: string; name: string; creator: string; creatorGroups: string[] }) {
    const data = await this.call<{ recordSiteCreation: { changes: SiteAccessChange[]; quota: EffectiveQuotaView } }>(
      `mutation ($siteId: ID!, $name: String!, $creator: String!, $creatorGroups: [String!]!) {
        recordSiteCreation(siteId: $siteId, name: $name, creator: $creator, creatorGroups: $creatorGroups) {
          changes { ${CHANGE} }
          quota { sites ${LIMIT} vcpus ${LIMIT} memoryMiB ${LIMIT} snapshots ${LIMIT} }
        }
      }`,
      site,
    );
    return data.recordSiteCreation;
  }

  async forgetSite(siteId: string): Promise<SiteAccessChange[]> {
    const data = await this.call<{ forgetSite: SiteAccessChange[] }>(`mutation ($siteId: ID!) { forgetSite(siteId: $siteId) { ${CHANGE} } }`, { siteId });
    return data.forgetSite;
  }

  async siteAccessChanges(after: number, first = 500): Promise<SiteAccessChange[]> {
    const data = await this.call<{ siteAccessChanges: SiteAccessChange[] }>(
      `query ($after: Int!, $first: Int!) { siteAccessChanges(after: $after, first: $first) { ${CHANGE} } }`,
      { after, first },
    );
    return data.siteAccessChanges;
  }

  async recordAudit(entries: (NewAuditEntry & { at: Date })[]): Promise<void> {
    await this.call('mutation ($entries: [AuditEntryInput!]!) { recordAudit(entries: $entries) }', { entries });
  }

  private async call<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          [PRINCIPAL_HEADER]: signPrincipal(servicePrincipal(this.caller), this.secret),
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new HostgraphError('SERVICE_UNAVAILABLE', `The identity service is unreachable (${cause}); try again shortly`);
    }
    const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
    const [error] = body.errors ?? [];
    if (error) {
      const { code, ...extensions } = error.extensions ?? {};
      throw new HostgraphError((typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR') as ErrorCode, error.message, extensions);
    }
    if (!response.ok || !body.data) throw new HostgraphError('SERVICE_UNAVAILABLE', `The identity service answered HTTP ${response.status}; try again shortly`);
    return body.data;
  }
}
