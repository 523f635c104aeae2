import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type Running } from '../../bin/start-roles.js';
import { createLogger } from '../../core/logger.js';
import { collect, query, sse } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { startPrivateRedis } from '../support/servers.js';

const EVENTS = `subscription ($taskId: ID!) { taskEvents(taskId: $taskId) { seq type } }`;

describe('a Redis restart loses no task (Redis keeps nothing on disk here)', () => {
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let api: Instance;
  let worker: Running | undefined;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    // No worker yet: the job waits in Redis when Redis goes down.
    api = await startInstance({ redisUrl: redis.url, roles: ['gateway', 'hosting', 'identity', 'ipreg', 'inventory', 'scheduler'] });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await redis?.stop();
  });

  it('runs a task whose queued job Redis forgot, and streams all its events across the restart', async () => {
    const { createSite } = await query(api.url, `mutation { createSite(input: { name: "amnesia", flavor: "small" }) { id siteId } }`, {}, TOKENS.alice);
    const streamed = collect(sse(api.url, EVENTS, { taskId: createSite.id }, TOKENS.alice));

    await redis.restart();
    worker = await startRoles(api.config, ['worker'], createLogger(api.config.logLevel), { queueOptions: { maxAttempts: 3, backoffMs: 100 } });

    // The scheduler's sweep finds the stored, still-queued task and enqueues it again.
    const events = await streamed;
    expect(events.map((event) => event.data!.taskEvents.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)!.data!.taskEvents.type).toBe('TASK_SUCCEEDED');
    const { site } = await query(api.url, `query ($id: ID!) { site(id: $id) { state } }`, { id: createSite.siteId }, TOKENS.alice);
    expect(site.state).toBe('RUNNING');
  });
});
