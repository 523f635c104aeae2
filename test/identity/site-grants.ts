import { query } from '../support/graphql-client.js';
import type { Instance } from '../support/hostgraph-instance.js';
import { eventually } from '../support/eventually.js';
import { tokenOf, type Person } from './identity-fixture.js';

/** Helpers the grant and authorization suites share: create a site, grant on it, wait for hosting to know. */

export async function createSiteAs(instance: Instance, person: Person | 'root', name: string): Promise<{ siteId: string; taskId: string }> {
  const { createSite } = await query(instance.url, 'mutation ($name: String!) { createSite(input: { name: $name, flavor: "small" }) { id siteId } }', { name }, tokenOf(person));
  return { siteId: createSite.siteId, taskId: createSite.id };
}

export async function grant(instance: Instance, by: Person | 'root', siteId: string, role: string, grantee: { user?: string; group?: string }) {
  await query(
    instance.url,
    'mutation ($siteId: ID!, $role: SiteRole!, $user: String, $group: ID) { grantSiteAccess(siteId: $siteId, role: $role, user: $user, group: $group) { id } }',
    { siteId, role, ...grantee },
    tokenOf(by),
  );
}

/** Hosting learns grants from identity's announcements: wait until it lets `person` see the site. */
export async function untilVisible(instance: Instance, person: Person, siteId: string) {
  await eventually(() => query(instance.url, 'query ($id: ID!) { site(id: $id) { id } }', { id: siteId }, tokenOf(person)));
}
