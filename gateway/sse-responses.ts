import { Readable } from 'node:stream';
import { isAsyncIterable } from '@graphql-tools/utils';
import type { ExecutionResult, GraphQLError } from 'graphql';

type FetchAPI = { Response: typeof Response };
// Yoga types a processor's input as any result it may meet; this one is only set for streams.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ResultProcessor = (result: any, fetchAPI: FetchAPI) => Response;

/** What yoga's own SSE answers send, so clients see no difference. */
const HEADERS = { 'Content-Type': 'text/event-stream', Connection: 'keep-alive', 'Cache-Control': 'no-cache', 'Content-Encoding': 'none' };
const PING = Buffer.from(':\n\n');
const COMPLETE = Buffer.from('event: complete\ndata:\n\n');
const PING_INTERVAL_MS = 12_000;

/** An error as the caller may see it: without the extensions only the server reads. */
const publicError = (error: GraphQLError) => {
  const json = typeof error.toJSON === 'function' ? error.toJSON() : { ...error };
  const { http: _http, unexpected: _unexpected, ...extensions } = (json.extensions ?? {}) as Record<string, unknown>;
  return { ...json, extensions: Object.keys(extensions).length > 0 ? extensions : undefined };
};

const serialized = (result: ExecutionResult) => {
  if (!result.errors?.length && !(result.extensions as { http?: unknown } | undefined)?.http) return JSON.stringify(result);
  const { http: _http, ...extensions } = (result.extensions ?? {}) as Record<string, unknown>;
  return JSON.stringify({ ...result, errors: result.errors?.map(publicError), extensions: Object.keys(extensions).length > 0 ? extensions : undefined });
};

/**
 * A shared subscription hands every subscriber the same result object; its frame is encoded
 * once, however many write it.
 */
const frames = new WeakMap<object, Buffer>();
const frameOf = (result: ExecutionResult) => {
  let frame = frames.get(result);
  if (!frame) frames.set(result, (frame = Buffer.from(`event: next\ndata: ${serialized(result)}\n\n`)));
  return frame;
};

/** A subscription's results as a Node stream of SSE frames, which the server pipes to the socket. */
class SseBody extends Readable {
  readonly #results: AsyncIterator<ExecutionResult>;
  readonly #ping = setInterval(() => this.push(PING), PING_INTERVAL_MS);
  #pulling = false;

  constructor(results: AsyncIterable<ExecutionResult>) {
    super();
    this.#results = results[Symbol.asyncIterator]();
    // Some browsers show nothing of a stream until its first bytes arrive.
    this.push(PING);
  }

  override _read() {
    if (this.#pulling) return;
    this.#pulling = true;
    this.#results.next().then(
      ({ value, done }) => {
        this.#pulling = false;
        if (done) {
          clearInterval(this.#ping);
          this.push(COMPLETE);
          this.push(null);
        } else if (value != null) this.push(frameOf(value));
        else this._read();
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    clearInterval(this.#ping);
    // The caller went away (or the stream failed): the subscription upstream ends with it.
    Promise.resolve(this.#results.return?.()).then(
      () => callback(error),
      () => callback(error),
    );
  }
}

/**
 * Streams subscriptions over SSE as yoga does (same headers, pings and events), with less work
 * per subscriber: one write per event instead of two, no web stream between the result and the
 * socket, and each event's frame encoded once for all who share its subscription. With a
 * thousand dashboards on one task, that per-subscriber work is what decides the last one's wait.
 */
export function sseResponsesPlugin() {
  const processSse: ResultProcessor = (results: AsyncIterable<ExecutionResult>, fetchAPI) => new fetchAPI.Response(new SseBody(results) as unknown as BodyInit, { status: 200, headers: HEADERS });
  return {
    onResultProcess({ request, result, setResultProcessor }: { request: Request; result: unknown; setResultProcessor(processor: ResultProcessor, mediaType: string): void }) {
      if (isAsyncIterable(result) && request.headers.get('accept')?.includes('text/event-stream')) setResultProcessor(processSse, 'text/event-stream');
    },
  };
}
