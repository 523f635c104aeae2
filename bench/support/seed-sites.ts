import { eventually } from '../../test/support/eventually.js';
import { query } from '../../test/support/graphql-client.js';

const CREATE_SITE = `mutation ($name: String!) { createSite(input: { name: $name, flavor: "small" }) { id } }`;
const RUNNING_SITES = `{ sites(filter: { state: RUNNING }, first: 1) { totalCount } }`;
/** The site list the load benchmarks page through: ten pages of `sites(first: 20)`. */
export const SEEDED_SITES = 200;
/** Enough requests in flight to keep the worker busy without queueing hundreds at once. */
const CONCURRENT_REQUESTS = 8;

/**
 * Creates `count` sites through the API, as users would, and waits until the worker has built every
 * one: a benchmark that starts earlier would measure the worker as well.
 */
export async function seedSites(url: string, token: string, count = SEEDED_SITES): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `bench-site-${String(i + 1).padStart(4, '0')}`);
  let next = 0;
  const createSome = async () => {
    while (next < names.length) await query(url, CREATE_SITE, { name: names[next++] }, token);
  };
  await Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, createSome));
  await eventually(
    async () => {
      const { sites } = await query<{ sites: { totalCount: number } }>(url, RUNNING_SITES, {}, token);
      if (sites.totalCount < count) throw new Error(`only ${sites.totalCount} of ${count} seeded sites are running`);
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  );
}
