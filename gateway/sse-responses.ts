import { Readable } from 'node:stream';
import { isAsyncIterable } from '@graphql-tools/utils';
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { DirectFeed } from './shared-subscriptions.js';

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

/** A reader this far behind leaves direct delivery for its subscription's chain, whose queue has a limit. */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * A subscription's results as a Node stream of SSE frames, which the server pipes to the socket.
 * Results come from the subscription's iterator or, for a subscriber of a shared stream, straight
 * from that stream (see DirectFeed) until something other than a plain result follows. Results
 * that arrive together (a burst of a provisioning run's log lines, say) go out in one write: with a
 * thousand subscribers, the writes to their sockets are what a burst costs.
 */
class SseBody extends Readable {
  readonly #results: AsyncIterator<ExecutionResult>;
  readonly #ping = setInterval(() => this.push(PING), PING_INTERVAL_MS);
  /** Frames not pushed yet: pushed together once this turn's ready results are all in. */
  #batch: Buffer[] = [];
  #direct = false;
  #pulling = false;
  #flushing = false;
  /** Whether the reader takes more: false once a push was refused, until it asks again. */
  #wanted = false;

  constructor(results: AsyncIterable<ExecutionResult>, feed: DirectFeed | undefined) {
    super();
    this.#results = results[Symbol.asyncIterator]();
    // Some browsers show nothing of a stream until its first bytes arrive.
    this.push(PING);
    if (feed) {
      this.#direct = true;
      feed.attach({ deliver: (result) => this.#deliver(result as ExecutionResult), detached: () => this.#detached() });
    }
  }

  override _read() {
    this.#wanted = true;
    if (!this.#direct) this.#pull();
  }

  #deliver(result: ExecutionResult): boolean {
    if (this.destroyed || this.readableLength > MAX_BUFFERED_BYTES) return false;
    this.#add(result);
    return true;
  }

  #detached() {
    this.#direct = false;
    // Frames waiting for their write go first; the flush reads on after it.
    if (this.#wanted && !this.#flushing) this.#pull();
  }

  #pull() {
    if (this.#pulling || this.destroyed) return;
    this.#pulling = true;
    this.#results.next().then(
      ({ value, done }) => {
        this.#pulling = false;
        if (done) return this.#finish();
        if (value != null) this.#add(value);
        // A result already waiting upstream arrives within this turn, in time for the same write.
        if (this.#wanted) this.#pull();
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }

  #add(result: ExecutionResult) {
    this.#batch.push(frameOf(result));
    if (this.#flushing) return;
    this.#flushing = true;
    // A tick runs once this turn's promise jobs are done, so every result ready by then is in the batch.
    process.nextTick(() => {
      this.#flushing = false;
      this.#flush();
      if (this.#wanted && !this.#direct) this.#pull();
    });
  }

  #flush() {
    if (this.#batch.length === 0 || this.destroyed) return;
    const chunk = this.#batch.length === 1 ? this.#batch[0]! : Buffer.concat(this.#batch);
    this.#batch = [];
    this.#wanted = this.push(chunk);
  }

  #finish() {
    clearInterval(this.#ping);
    this.#flush();
    this.push(COMPLETE);
    this.push(null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    clearInterval(this.#ping);
    this.#batch = [];
    // The caller went away (or the stream failed): the subscription upstream ends with it.
    Promise.resolve(this.#results.return?.()).then(
      () => callback(error),
      () => callback(error),
    );
  }
}

/**
 * Streams subscriptions over SSE as yoga does (same headers, pings and events), with less work
 * per subscriber: one write per burst of events, no web stream between the result and the socket,
 * each event's frame encoded once for all who share its subscription, and those shared results
 * taken straight from the shared stream. With a thousand dashboards on one task, that
 * per-subscriber work is what decides the last one's wait.
 */
export function sseResponsesPlugin(directFeedOf: (request: Request) => DirectFeed | undefined = () => undefined) {
  return {
    onResultProcess({ request, result, setResultProcessor }: { request: Request; result: unknown; setResultProcessor(processor: ResultProcessor, mediaType: string): void }) {
      if (!isAsyncIterable(result) || !request.headers.get('accept')?.includes('text/event-stream')) return;
      setResultProcessor(
        (results: AsyncIterable<ExecutionResult>, fetchAPI) => new fetchAPI.Response(new SseBody(results, directFeedOf(request)) as unknown as BodyInit, { status: 200, headers: HEADERS }),
        'text/event-stream',
      );
    },
  };
}
