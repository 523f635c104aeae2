import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from '../identity/identity-fixture.js';
import { collect, errorCodes, graphql, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';

const DIRECTORY = `users:
  - { username: alice, displayName: Alice, mail: alice@example.org, uidNumber: 20001, gidNumber: 20000 }
  - { username: bob, displayName: Bob, mail: bob@example.org, uidNumber: 20002, gidNumber: 20000 }
groups:
  - { id: webteam, name: Web team, members: [alice] }
`;
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { type } }';
const USAGE = `query ($from: DateTimeISO!, $to: DateTimeISO!, $groupBy: UsageGrouping!) {
  usage(from: $from, to: $to, groupBy: $groupBy) { key siteName hour state vcpuHours memoryGbHours diskGbHours site { id } }
}`;
const MONTH = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };

const sum = (records: any[], field: string) => records.reduce((total, record) => total + record[field], 0);

describe.each(DATABASES)('usage for billing on $name', ({ database }) => {
  let instance: Instance;
  let drop: () => Promise<void>;
  // The history's clock: each change is stamped with the time the test sets before asking for it.
  let now = new Date(MONTH.from);
  let siteId: string;

  /** Sets the clock, asks for a task, and waits until it has finished (its history entry is then written). */
  async function at(time: string, mutation: string, variables: Record<string, unknown>) {
    now = new Date(time);
    const data = await query(instance.url, mutation, variables, TOKENS.alice);
    const task = Object.values(data)[0] as { id: string; siteId: string };
    const events = await collect(sse(instance.url, EVENTS, { taskId: task.id }, TOKENS.alice));
    expect(events.at(-1)!.data.taskEvents.type).toBe('TASK_SUCCEEDED');
    return task;
  }

  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    instance = await startInstance({
      database: db.url,
      directory: DIRECTORY,
      overrides: { clock: () => now },
      settings: { metrics: { institutions: { webteam: 'Faculty of Science' } } },
    });
    // Created 10:15, small (1 vCPU, 2 GiB, 20 GiB); resized to medium (2, 4 GiB, 40 GiB) at 12:45;
    // stopped at 08:30 the next day; deleted at midnight after that.
    const created = await at('2026-03-02T10:15:00Z', 'mutation { createSite(input: { name: "billed", flavor: "small" }) { id siteId } }', {});
    siteId = created.siteId;
    await query(instance.url, 'mutation ($id: ID!) { grantSiteAccess(siteId: $id, role: ADMIN, group: "webteam") { id } }', { id: siteId }, TOKENS.alice);
    await at('2026-03-02T12:45:00Z', 'mutation ($id: ID!) { resizeSite(id: $id, flavor: "medium") { id siteId } }', { id: siteId });
    await at('2026-03-03T08:30:00Z', 'mutation ($id: ID!) { stopSite(id: $id) { id siteId } }', { id: siteId });
    await at('2026-03-04T00:00:00Z', 'mutation ($id: ID!) { deleteSite(id: $id) { id siteId } }', { id: siteId });
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
  });

  it('bills each hour of a site created, resized, stopped and deleted within the month, exactly', async () => {
    const { usage } = await query(instance.url, USAGE, { ...MONTH, groupBy: 'SITE' }, TOKENS.admin);
    const hour = (time: string) => usage.find((record: any) => record.hour === new Date(time).toISOString());
    // 10:00–13:00 on the 2nd, 19 running medium hours, half an hour running at 08:00, 15 stopped hours.
    expect(usage).toHaveLength(3 + 19 + 1 + 15);
    expect(usage.every((record: any) => record.key === siteId && record.siteName === 'billed' && record.site.id === siteId)).toBe(true);
    expect(hour('2026-03-02T10:00:00Z')).toMatchObject({ state: 'RUNNING', vcpuHours: 0.75, memoryGbHours: 1.5, diskGbHours: 15 });
    expect(hour('2026-03-02T11:00:00Z')).toMatchObject({ state: 'RUNNING', vcpuHours: 1, memoryGbHours: 2, diskGbHours: 20 });
    expect(hour('2026-03-02T12:00:00Z')).toMatchObject({ state: 'RUNNING', vcpuHours: 1.25, memoryGbHours: 2.5, diskGbHours: 25 });
    expect(hour('2026-03-02T13:00:00Z')).toMatchObject({ state: 'RUNNING', vcpuHours: 2, memoryGbHours: 4, diskGbHours: 40 });
    expect(hour('2026-03-03T08:00:00Z')).toMatchObject({ state: 'STOPPED', vcpuHours: 1, memoryGbHours: 2, diskGbHours: 40 });
    expect(hour('2026-03-03T23:00:00Z')).toMatchObject({ state: 'STOPPED', vcpuHours: 0, memoryGbHours: 0, diskGbHours: 40 });
    expect(hour('2026-03-04T00:00:00Z')).toBeUndefined();
    expect(sum(usage, 'vcpuHours')).toBe(42);
    expect(sum(usage, 'memoryGbHours')).toBe(84);
    expect(sum(usage, 'diskGbHours')).toBe(1460);

    // Part of the month: the history says where the site stood when the period began.
    const day = await query(instance.url, USAGE, { from: '2026-03-03T00:00:00Z', to: '2026-03-03T12:00:00Z', groupBy: 'SITE' }, TOKENS.admin);
    expect(day.usage).toHaveLength(12);
    expect(sum(day.usage, 'vcpuHours')).toBe(8 * 2 + 1);
  });

  it('groups by admin group and by institution, and keeps the group of a site that is gone', async () => {
    const byGroup = await query(instance.url, USAGE, { ...MONTH, groupBy: 'GROUP' }, TOKENS.admin);
    expect(new Set(byGroup.usage.map((record: any) => record.key))).toEqual(new Set(['webteam']));
    expect(byGroup.usage.every((record: any) => record.state === null && record.siteName === null)).toBe(true);
    expect(sum(byGroup.usage, 'vcpuHours')).toBe(42);
    const byInstitution = await query(instance.url, USAGE, { ...MONTH, groupBy: 'INSTITUTION' }, TOKENS.admin);
    expect(new Set(byInstitution.usage.map((record: any) => record.key))).toEqual(new Set(['Faculty of Science']));
    expect(sum(byInstitution.usage, 'diskGbHours')).toBe(1460);
  });

  it('serves the same as CSV at /usage.csv, for platform admins only', async () => {
    const csvUrl = (groupBy: string) => `${instance.url.replace(/\/graphql$/, '/usage.csv')}?from=${MONTH.from}&to=${MONTH.to}&groupBy=${groupBy}`;
    const response = await fetch(csvUrl('SITE'), { headers: { authorization: `Bearer ${TOKENS.admin}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('site_id,site_name,state,hour,vcpu_hours,memory_gb_hours,disk_gb_hours');
    expect(lines).toHaveLength(1 + 38);
    expect(lines[1]).toBe(`${siteId},billed,RUNNING,2026-03-02T10:00:00.000Z,0.75,1.5,15`);
    const institutions = await (await fetch(csvUrl('INSTITUTION'), { headers: { authorization: `Bearer ${TOKENS.admin}` } })).text();
    expect(institutions.split('\r\n')[0]).toBe('institution,hour,vcpu_hours,memory_gb_hours,disk_gb_hours');

    expect((await fetch(csvUrl('SITE'))).status).toBe(401);
    expect((await fetch(csvUrl('SITE'), { headers: { authorization: 'Bearer nonsense' } })).status).toBe(401);
    const refused = await fetch(csvUrl('SITE'), { headers: { authorization: `Bearer ${TOKENS.alice}` } });
    expect(refused.status).toBe(403);
    expect(errorCodes(await refused.json())).toEqual(['FORBIDDEN']);
    const query = await graphql(instance.url, USAGE, { ...MONTH, groupBy: 'SITE' }, TOKENS.alice);
    expect(errorCodes(query.body)).toEqual(['FORBIDDEN']);
  });

  it("keeps the owner's quota in step with a resize", async () => {
    await query(instance.url, 'mutation { setQuota(user: "alice", limits: { vcpus: 2 }) { limits { vcpus } } }', {}, TOKENS.admin);
    const { createSite } = await query(instance.url, 'mutation { createSite(input: { name: "quota", flavor: "small" }) { id siteId } }', {}, TOKENS.alice);
    await collect(sse(instance.url, EVENTS, { taskId: createSite.id }, TOKENS.alice));
    const tooLarge = await graphql(instance.url, 'mutation ($id: ID!) { resizeSite(id: $id, flavor: "large") { id } }', { id: createSite.siteId }, TOKENS.alice);
    expect(errorCodes(tooLarge.body)).toEqual(['QUOTA_EXCEEDED']);
    await at('2026-03-10T00:00:00Z', 'mutation ($id: ID!) { resizeSite(id: $id, flavor: "medium") { id siteId } }', { id: createSite.siteId });
    // The medium site holds both vCPUs of the quota: another site does not fit until it shrinks back.
    const second = await graphql(instance.url, 'mutation { createSite(input: { name: "second", flavor: "small" }) { id } }', {}, TOKENS.alice);
    expect(errorCodes(second.body)).toEqual(['QUOTA_EXCEEDED']);
    const shrink = await graphql(instance.url, 'mutation ($id: ID!) { resizeSite(id: $id, flavor: "small") { id } }', { id: createSite.siteId }, TOKENS.alice);
    expect(errorCodes(shrink.body)).toEqual(['CONFLICT']);
    expect(shrink.body.errors![0]!.message).toMatch(/cannot shrink/);
    await at('2026-03-11T00:00:00Z', 'mutation ($id: ID!) { deleteSite(id: $id) { id siteId } }', { id: createSite.siteId });
    const third = await query(instance.url, 'mutation { createSite(input: { name: "third", flavor: "medium" }) { id } }', {}, TOKENS.alice);
    expect(third.createSite.id).toBeTruthy();
  });
});
