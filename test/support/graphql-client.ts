import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A GraphQL client as an integration would write one: plain fetch, SSE and graphql-ws. */

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

export async function graphql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse<T> };
}

/** Asks, and fails the test with the errors if there were any. */
export async function query<T = any>(url: string, text: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const { body } = await graphql<T>(url, text, variables, token);
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

export const errorCodes = (response: GraphQLResponse) => (response.errors ?? []).map((error) => error.extensions?.code);

/** GraphQL over SSE (distinct connections): yields each `next` payload until `complete`. */
export async function* sse<T = any>(url: string, text: string, variables: Record<string, unknown>, token?: string, signal?: AbortSignal): AsyncGenerator<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: text, variables }),
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`SSE request failed: ${response.status} ${await response.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: ?(.*)$/m.exec(block)?.[1];
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.replace(/^data: ?/, ''))
        .join('\n');
      if (event === 'complete') return;
      if (data) yield JSON.parse(data) as GraphQLResponse<T>;
    }
  }
}

/** graphql-ws over a real WebSocket; the token travels in connectionParams as browsers must send it. */
export async function* ws<T = any>(url: string, text: string, variables: Record<string, unknown>, token?: string): AsyncGenerator<GraphQLResponse<T>> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  try {
    yield* client.iterate({ query: text, variables }) as AsyncIterable<GraphQLResponse<T>>;
  } catch (error) {
    // graphql-ws rejects with the socket's CloseEvent when the server closes it (4401 refused, …).
    if (error instanceof Error || typeof (error as { code?: unknown })?.code !== 'number') throw error;
    const { code, reason } = error as { code: number; reason: string };
    throw new Error(`WebSocket closed ${code}: ${reason}`);
  } finally {
    await client.dispose();
  }
}

export async function collect<T>(iterable: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) {
    items.push(item);
    if (items.length >= limit) break;
  }
  return items;
}
