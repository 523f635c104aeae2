import { collect, query, sse } from '../support/graphql-client.js';
import { TOKENS } from '../support/hostgraph-instance.js';

/** What the inventory tests share: the task a mutation returned, followed to its end. */

const EVENTS = 'subscription ($taskId: ID!) { taskEvents(taskId: $taskId) { seq type } }';

export interface FinishedTask {
  state: string;
  error: { code: string; message: string; step: string | null } | null;
  steps: { name: string; state: string }[];
}

export async function finishTask(url: string, taskId: string, token: string = TOKENS.alice): Promise<FinishedTask> {
  await collect(sse(url, EVENTS, { taskId }, token));
  const { task } = await query<{ task: FinishedTask }>(url, 'query ($id: ID!) { task(id: $id) { state error { code message step } steps { name state } } }', { id: taskId }, token);
  return task;
}

export async function createSite(url: string, name: string, flavor = 'small', token: string = TOKENS.alice) {
  const { createSite: task } = await query<{ createSite: { id: string; siteId: string } }>(
    url,
    'mutation ($name: String!, $flavor: String!) { createSite(input: { name: $name, flavor: $flavor }) { id siteId } }',
    { name, flavor },
    token,
  );
  return { taskId: task.id, siteId: task.siteId, finished: () => finishTask(url, task.id, token) };
}

export async function deleteSite(url: string, siteId: string, token: string = TOKENS.alice) {
  const { deleteSite: task } = await query<{ deleteSite: { id: string } }>(url, 'mutation ($id: ID!) { deleteSite(id: $id) { id } }', { id: siteId }, token);
  return finishTask(url, task.id, token);
}

export const HOST_FIELDS = 'id name driver uri credentialRef location state capacity { vcpus memoryMiB diskGiB } allocated { vcpus memoryMiB diskGiB } available { vcpus memoryMiB diskGiB } reachable lastReconcileError';

export async function hostNamed(url: string, name: string) {
  const { hypervisorHosts } = await query<{ hypervisorHosts: any[] }>(url, `{ hypervisorHosts { ${HOST_FIELDS} } }`, {}, TOKENS.admin);
  return hypervisorHosts.find((host) => host.name === name);
}
