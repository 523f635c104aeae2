import type { SubgraphClient } from '../../../core/graphql/subgraph-client.js';
import type { Principal } from '../../../core/principal.js';
import type { NewAuditEntry } from '../audit/audit-log.js';
import type { EffectiveQuotaView } from '../quotas/quota-service.js';
import type { SiteAccessChange, SiteRole } from '../site-access/site-roles.js';

export interface PrincipalFactsView {
  known: boolean;
  active: boolean;
  groups: string[];
}

export type ApiTokenCheckView =
  | { valid: true; tokenId: string; username: string; scopes: string[]; expiresAt: string | null }
  | { valid: false; reason: string };

/** A person who gets an account on a site's VM: their directory uid and SSH keys. */
export interface SiteAccountView {
  username: string;
  uidNumber: number;
  sshKeys: string[];
}

interface AccountFacts {
  username: string;
  uidNumber: number | null;
  active: boolean;
  sshKeys: { publicKey: string }[];
}

const LIMIT = '{ limit source }';
const CHANGE = 'seq siteId role granteeKind grantee granted';

/** What other Hostgraph processes (the gateway, hosting, the worker) ask the identity subgraph. */
export class IdentityClient {
  constructor(private readonly client: SubgraphClient) {}

  async principalFacts(username: string): Promise<PrincipalFactsView> {
    const data = await this.client.call<{ principalFacts: PrincipalFactsView }>(
      'query ($username: String!) { principalFacts(username: $username) { known active groups } }',
      { username },
    );
    return data.principalFacts;
  }

  async checkApiToken(secretHash: string): Promise<ApiTokenCheckView> {
    const data = await this.client.call<{ checkApiToken: { valid: boolean; reason: string | null; tokenId: string; username: string; scopes: string[]; expiresAt: string | null } }>(
      'mutation ($secretHash: String!) { checkApiToken(secretHash: $secretHash) { valid reason tokenId username scopes expiresAt } }',
      { secretHash },
    );
    const check = data.checkApiToken;
    return check.valid
      ? { valid: true, tokenId: check.tokenId, username: check.username, scopes: check.scopes, expiresAt: check.expiresAt }
      : { valid: false, reason: check.reason ?? 'The API token was refused' };
  }

  async recordSiteCreation(site: { siteId: string; name: string; creator: string; creatorGroups: string[] }) {
    const data = await this.client.call<{ recordSiteCreation: { changes: SiteAccessChange[]; quota: EffectiveQuotaView } }>(
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

  /** The quota that applies to a person now (their directory groups counted). */
  async effectiveQuota(username: string): Promise<EffectiveQuotaView> {
    const data = await this.client.call<{ user: { quota: EffectiveQuotaView } }>(
      `query ($username: String!) { user(username: $username) { quota { sites ${LIMIT} vcpus ${LIMIT} memoryMiB ${LIMIT} snapshots ${LIMIT} } } }`,
      { username },
    );
    return data.user.quota;
  }

  /** Asked as the caller: their roles on the site, perhaps none; NOT_FOUND when there is no such site. */
  async rolesOnSite(principal: Principal, siteId: string): Promise<SiteRole[]> {
    const data = await this.client.call<{ myRolesOnSite: SiteRole[] }>('query ($siteId: ID!) { myRolesOnSite(siteId: $siteId) }', { siteId }, { as: principal });
    return data.myRolesOnSite;
  }

  async forgetSite(siteId: string): Promise<SiteAccessChange[]> {
    const data = await this.client.call<{ forgetSite: SiteAccessChange[] }>(`mutation ($siteId: ID!) { forgetSite(siteId: $siteId) { ${CHANGE} } }`, { siteId });
    return data.forgetSite;
  }

  async siteAccessChanges(after: number, first = 500): Promise<SiteAccessChange[]> {
    const data = await this.client.call<{ siteAccessChanges: SiteAccessChange[] }>(
      `query ($after: Int!, $first: Int!) { siteAccessChanges(after: $after, first: $first) { ${CHANGE} } }`,
      { after, first },
    );
    return data.siteAccessChanges;
  }

  /**
   * Per site, the people with SSH access (directly or through a group, nested groups followed) who
   * are still in the directory and have a uid, by username. Sites identity does not know get [].
   */
  async siteAccounts(siteIds: string[]): Promise<Map<string, SiteAccountView[]>> {
    if (siteIds.length === 0) return new Map();
    const account = 'username uidNumber active sshKeys { publicKey }';
    const data = await this.client.call<{ _entities: ({ id: string; sshUsers: AccountFacts[]; sshGroups: { members: AccountFacts[] }[] } | null)[] }>(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Site { id sshUsers { ${account} } sshGroups { members(nested: true) { ${account} } } }
        }
      }`,
      { representations: siteIds.map((id) => ({ __typename: 'Site', id })) },
    );
    const accounts = new Map<string, SiteAccountView[]>(siteIds.map((id) => [id, []]));
    for (const site of data._entities) {
      if (!site) continue;
      const people = new Map<string, SiteAccountView>();
      for (const person of [...site.sshUsers, ...site.sshGroups.flatMap((group) => group.members)]) {
        if (!person.active || person.uidNumber === null) continue;
        people.set(person.username, { username: person.username, uidNumber: person.uidNumber, sshKeys: person.sshKeys.map((key) => key.publicKey) });
      }
      accounts.set(site.id, [...people.values()].sort((a, b) => a.username.localeCompare(b.username)));
    }
    return accounts;
  }

  async recordAudit(entries: (NewAuditEntry & { at: Date })[]): Promise<void> {
    await this.client.call('mutation ($entries: [AuditEntryInput!]!) { recordAudit(entries: $entries) }', { entries });
  }
}
