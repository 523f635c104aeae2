import { expect } from 'vitest';
import { collect, query, sse } from '../support/graphql-client.js';
import { TOKENS, type Instance } from '../support/hostgraph-instance.js';

export const TASK = 'id kind state siteId requestedBy error { code message step }';
const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId, after: 0) { seq type message step } }';
const SITE = 'query ($id: ID!) { site(id: $id) { name serviceName serviceAddresses vm { hostName } state packages configurationQueued vhosts { id name serverName aliases documentRoot state certificate { source notAfter renewAfter } } } }';

export const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

/** What the configuration tests ask through the gateway, as alice unless told otherwise. */
export function configurationClient(instance: () => Instance) {
  const call = (text: string, variables: Record<string, unknown> = {}, token: string = TOKENS.alice) => query(instance().url, text, variables, token);
  /** Follows the task to its end; its events and how it ended. */
  const finished = async (taskId: string, token: string = TOKENS.alice) => {
    const events = (await collect(sse(instance().url, EVENTS, { taskId }, token))).map((event) => event.data!.taskEvents);
    return { events, task: (await call(`query ($id: ID!) { task(id: $id) { ${TASK} } }`, { id: taskId }, token)).task };
  };
  const site = async (id: string) => (await call(SITE, { id })).site;
  const tasksOf = async (siteId: string, kind: string) =>
    (await call('query ($filter: TaskFilter) { tasks(filter: $filter, first: 100) { edges { node { id state requestedBy } } } }', { filter: { siteId, kind } })).tasks.edges.map(
      (edge: { node: { id: string; state: string; requestedBy: string } }) => edge.node,
    );
  /** A site of alice's, created and provisioned. */
  const runningSite = async (prefix: string) => {
    const created = (await call(`mutation ($input: CreateSiteInput!) { createSite(input: $input) { ${TASK} } }`, { input: { name: unique(prefix), flavor: 'small' } })).createSite;
    const { task, events } = await finished(created.id);
    expect(task.state).toBe('SUCCEEDED');
    return { siteId: created.siteId as string, events, ...(await site(created.siteId)) };
  };
  return { call, finished, site, tasksOf, runningSite };
}
