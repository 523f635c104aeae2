import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, graphql, query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

/** What a careless or hostile caller sends gets a clear error with a code, and nothing is written. */
describe('bad input', () => {
  let instance: Instance;
  let bobSite: string;

  const counts = async () => {
    const data = await query(instance.url, `{ sites { totalCount } tasks { totalCount } }`, {}, TOKENS.admin);
    return [data.sites.totalCount, data.tasks.totalCount];
  };

  beforeAll(async () => {
    instance = await startInstance();
    const created = await query(instance.url, `mutation { createSite(input: { name: "bobs", flavor: "small" }) { siteId } }`, {}, TOKENS.bob);
    bobSite = created.createSite.siteId;
  });
  afterAll(() => instance?.close());

  const createSite = (input: Record<string, unknown>, token: string = TOKENS.alice) =>
    graphql(instance.url, `mutation ($input: CreateSiteInput!) { createSite(input: $input) { id } }`, { input }, token);

  it.each([
    ['upper case', 'Blog'],
    ['underscore', 'my_site'],
    ['leading hyphen', '-blog'],
    ['trailing hyphen', 'blog-'],
    ['empty', ''],
    ['64 characters', 'a'.repeat(64)],
    ['a dot', 'blog.example'],
    ['unicode', 'café'],
    ['SQL', "x'; drop table sites; --"],
  ])('refuses a site name with %s', async (_, name) => {
    const before = await counts();
    const { body } = await createSite({ name, flavor: 'small' });
    expect(errorCodes(body)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors![0].message).toMatch(/DNS label/);
    expect(await counts()).toEqual(before);
  });

  it('accepts a 63-character name and refuses it a second time', async () => {
    const name = 'a'.repeat(63);
    expect((await createSite({ name, flavor: 'small' })).body.errors).toBeUndefined();
    const before = await counts();
    const { body } = await createSite({ name, flavor: 'small' }, TOKENS.bob);
    expect(errorCodes(body)).toEqual(['CONFLICT']);
    expect(await counts()).toEqual(before);
  });

  it('refuses one of two concurrent requests for the same name', async () => {
    const results = await Promise.all([createSite({ name: 'twin', flavor: 'small' }), createSite({ name: 'twin', flavor: 'small' }, TOKENS.bob)]);
    expect(results.map((r) => errorCodes(r.body)[0] ?? 'OK').sort()).toEqual(['CONFLICT', 'OK']);
  });

  it('refuses an unknown flavor, naming the ones there are', async () => {
    const before = await counts();
    const { body } = await createSite({ name: 'flavorless', flavor: 'huge' });
    expect(errorCodes(body)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors![0].message).toContain('small');
    expect(await counts()).toEqual(before);
  });

  it('refuses a missing or mistyped argument', async () => {
    const { body } = await createSite({ name: 'x' });
    expect(body.errors?.length).toBeGreaterThan(0);
    const { body: typed } = await createSite({ name: 42, flavor: 'small' });
    expect(typed.errors?.length).toBeGreaterThan(0);
  });

  it('answers unknown and malformed ids with NOT_FOUND and BAD_USER_INPUT', async () => {
    const before = await counts();
    const unknown = await graphql(instance.url, `mutation { stopSite(id: "00000000-0000-4000-8000-000000000000") { id } }`, {}, TOKENS.alice);
    expect(errorCodes(unknown.body)).toEqual(['NOT_FOUND']);
    const malformed = await graphql(instance.url, `{ site(id: "../../etc/passwd") { id } }`, {}, TOKENS.alice);
    expect(errorCodes(malformed.body)).toEqual(['BAD_USER_INPUT']);
    const task = await graphql(instance.url, `{ task(id: "00000000-0000-4000-8000-000000000000") { id } }`, {}, TOKENS.alice);
    expect(errorCodes(task.body)).toEqual(['NOT_FOUND']);
    expect(await counts()).toEqual(before);
  });

  it("refuses to show or change another user's site", async () => {
    const before = await counts();
    for (const operation of [
      `{ site(id: "${bobSite}") { id } }`,
      `mutation { stopSite(id: "${bobSite}") { id } }`,
      `mutation { deleteSite(id: "${bobSite}") { id } }`,
    ]) {
      const { body } = await graphql(instance.url, operation, {}, TOKENS.alice);
      expect(errorCodes(body)).toEqual(['FORBIDDEN']);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses bad paging arguments', async () => {
    for (const operation of [`{ sites(first: 0) { totalCount } }`, `{ sites(first: 1000) { totalCount } }`, `{ sites(after: "not-a-cursor") { totalCount } }`]) {
      const { body } = await graphql(instance.url, operation, {}, TOKENS.alice);
      expect(errorCodes(body)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('asks anonymous callers to sign in, and refuses a bad token', async () => {
    const anonymous = await graphql(instance.url, `{ sites { totalCount } }`);
    expect(errorCodes(anonymous.body)).toEqual(['UNAUTHENTICATED']);
    const forged = await graphql(instance.url, `{ sites { totalCount } }`, {}, 'not-a-token');
    expect(forged.status).toBe(401);
    expect(errorCodes(forged.body)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses malformed GraphQL, a query nested 50 deep and a 1 MB query', async () => {
    const malformed = await graphql(instance.url, `{ sites { `, {}, TOKENS.alice);
    expect(malformed.body.errors?.length).toBeGreaterThan(0);
    expect(errorCodes(malformed.body)[0]).toBeTruthy();

    const deep = `{ ${'task(id: "00000000-0000-4000-8000-000000000000") { site { '.repeat(25)} id ${'} }'.repeat(25)} }`;
    const nested = await graphql(instance.url, deep, {}, TOKENS.alice);
    expect(nested.body.errors?.length).toBeGreaterThan(0);
    expect(errorCodes(nested.body)[0]).toBeTruthy();

    const huge = `{ sites { totalCount } } # ${'x'.repeat(1024 * 1024)}`;
    const response = await fetch(instance.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.alice}` },
      body: JSON.stringify({ query: huge }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    const body = await response.json().catch(() => ({}));
    expect(JSON.stringify(body)).toMatch(/code/);
  });
});
