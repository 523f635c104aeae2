import { isAsyncIterable } from '@graphql-tools/utils';
import { getOperationAST, print, type ExecutionArgs } from 'graphql';
import type { Principal } from '../core/principal.js';

/**
 * How subscribers of the same subscription may share one upstream stream:
 * - `replay`: the stream is a history that every subscriber gets whole (taskEvents after N): one
 *   who joins late first receives what the stream already delivered, then follows it live;
 * - `live`: the stream is what happens from now on (taskUpdated): a late joiner follows from the
 *   moment it joins.
 */
export type SharingMode = 'replay' | 'live';

/** Root subscription fields whose identical subscriptions are shared, and how. Others never are. */
export type SharingPolicy = Readonly<Record<string, SharingMode>>;

/** A replay stream longer than this takes no new subscribers: they get a stream of their own. */
const MAX_HISTORY = 10_000;

/** Past this many undelivered events a subscriber is too slow to keep: its stream ends with an error. */
const MAX_QUEUED = 10_000;

type Source = AsyncIterator<unknown> & { return?(): Promise<IteratorResult<unknown>> };
type Subscriber = { push(value: unknown): void; end(error?: unknown): void };

/**
 * Where a subscriber's response takes the shared stream's results straight from it, skipping the
 * iterator chain of hooks that its own subscription wrapped around the stream. Only results
 * without errors go this way: for those the chain hands on the same object (masking changes only
 * errors), so the caller sees no difference; it costs nothing per subscriber but the write.
 */
export interface DirectDelivery {
  /** Takes a result; false when it cannot (a reader too slow): then the chain takes over. */
  deliver(result: unknown): boolean;
  /** Direct delivery has stopped for good: what follows (an error, the end) is read through the chain. */
  detached(): void;
}

/** A subscriber's offer to switch to direct delivery. */
export interface DirectFeed {
  attach(delivery: DirectDelivery): void;
}

const carriesErrors = (value: unknown) => Boolean((value as { errors?: unknown[] } | null)?.errors?.length);

/** One upstream stream and the subscribers it feeds, each at its own pace. */
class Multicast {
  readonly #subscribers = new Set<Subscriber>();
  readonly #history: unknown[] = [];
  #finished = false;
  #failure: unknown;

  constructor(
    private readonly source: Source,
    private readonly mode: SharingMode,
    /** Called once no one listens any more, or the stream has ended: it must take no new subscribers. */
    private readonly onRetire: () => void,
  ) {}

  get acceptsSubscribers(): boolean {
    return !this.#finished && (this.mode === 'live' || this.#history.length < MAX_HISTORY);
  }

  start(): void {
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.source.next();
        if (done) break;
        if (this.mode === 'replay') this.#history.push(value);
        for (const subscriber of this.#subscribers) subscriber.push(value);
      }
    } catch (error) {
      this.#failure = error ?? new Error('subscription failed');
    }
    this.#finished = true;
    this.onRetire();
    for (const subscriber of this.#subscribers) subscriber.end(this.#failure);
    this.#subscribers.clear();
  }

  join(): { iterator: AsyncIterableIterator<unknown>; feed: DirectFeed } {
    const queue: unknown[] = this.mode === 'replay' ? [...this.#history] : [];
    let waiting: { resolve(result: IteratorResult<unknown>): void; reject(error: unknown): void } | null = null;
    let ended = false;
    let failure: unknown;
    let direct: DirectDelivery | null = null;
    const detach = () => {
      const delivery = direct;
      direct = null;
      delivery?.detached();
    };
    const subscriber: Subscriber = {
      push: (value) => {
        if (direct) {
          if (!carriesErrors(value) && direct.deliver(value)) return;
          // Queued first: the chain, reading again, must find it.
          queue.push(value);
          detach();
        } else if (waiting) {
          waiting.resolve({ value, done: false });
          waiting = null;
        } else if (queue.length >= MAX_QUEUED) {
          subscriber.end(new Error(`This subscriber fell ${MAX_QUEUED} events behind; subscribe again (with after, for task events)`));
        } else queue.push(value);
      },
      end: (error) => {
        if (ended) return;
        ended = true;
        failure = error;
        this.#subscribers.delete(subscriber);
        if (waiting) {
          if (error) waiting.reject(error);
          else waiting.resolve({ value: undefined, done: true });
          waiting = null;
        }
        detach();
      },
    };
    const feed: DirectFeed = {
      attach: (delivery) => {
        // Only a subscriber nobody reads yet can switch: otherwise results would pass it by.
        if (ended || waiting || direct) return delivery.detached();
        let delivered = 0;
        while (delivered < queue.length && !carriesErrors(queue[delivered]) && delivery.deliver(queue[delivered])) delivered++;
        queue.splice(0, delivered);
        if (queue.length > 0) return delivery.detached();
        direct = delivery;
      },
    };
    const leave = async (): Promise<IteratorResult<unknown>> => {
      queue.length = 0;
      subscriber.end();
      if (this.#subscribers.size === 0 && !this.#finished) {
        // The last one out closes the upstream subscription.
        this.#finished = true;
        this.onRetire();
        await this.source.return?.();
      }
      return { value: undefined, done: true };
    };
    if (this.#finished) subscriber.end(this.#failure);
    else this.#subscribers.add(subscriber);
    const iterator: AsyncIterableIterator<unknown> = {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift(), done: false });
        if (ended) return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (waiting = { resolve, reject }));
      },
      return: leave,
      throw: async (error) => {
        await leave();
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return { iterator, feed };
  }
}

type SubscribeFn = (args: ExecutionArgs) => unknown;

/**
 * An envelop plugin that lets identical subscriptions share one upstream stream: same document,
 * variables and principal (so the same authorization and the same answers), a root field the
 * policy names. A thousand dashboards on one task then cost the subgraph and the gateway's
 * planning one subscription, and each event is executed once, not once per subscriber.
 */
export function sharedSubscriptionsPlugin(policy: SharingPolicy, principalOf: (context: unknown) => Principal | null) {
  // Promised while the first subscriber is still subscribing, so the others who arrive meanwhile wait for it.
  const streams = new Map<string, Promise<Multicast | null>>();
  // Each joined subscriber's direct feed, by its HTTP request: the SSE response picks it up there.
  const feeds = new WeakMap<object, DirectFeed>();

  const join = (multicast: Multicast, args: ExecutionArgs) => {
    const { iterator, feed } = multicast.join();
    const request = (args.contextValue as { request?: unknown } | null)?.request;
    if (typeof request === 'object' && request !== null) feeds.set(request, feed);
    return iterator;
  };

  const keyOf = (args: ExecutionArgs): { key: string; mode: SharingMode } | null => {
    const operation = getOperationAST(args.document, args.operationName);
    const selections = operation?.operation === 'subscription' ? operation.selectionSet.selections : [];
    const [root] = selections;
    const mode = selections.length === 1 && root?.kind === 'Field' ? policy[root.name.value] : undefined;
    if (!mode) return null;
    const key = JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? {}, principalOf(args.contextValue)]);
    return { key, mode };
  };

  /** Subscribes upstream for this caller and offers the stream to whoever asks the same next. */
  const open = async (subscribe: SubscribeFn, args: ExecutionArgs, key: string, mode: SharingMode): Promise<unknown> => {
    let settle!: (multicast: Multicast | null) => void;
    const opening = new Promise<Multicast | null>((resolve) => (settle = resolve));
    streams.set(key, opening);
    const forget = () => {
      if (streams.get(key) === opening) streams.delete(key);
    };
    try {
      const result = await subscribe(args);
      // A refusal or an error is this caller's answer alone; whoever waited subscribes for themselves.
      if (!isAsyncIterable(result)) {
        forget();
        settle(null);
        return result;
      }
      const multicast = new Multicast(result[Symbol.asyncIterator]() as Source, mode, forget);
      const first = join(multicast, args);
      multicast.start();
      settle(multicast);
      return first;
    } catch (error) {
      forget();
      settle(null);
      throw error;
    }
  };

  const share =
    (subscribe: SubscribeFn): SubscribeFn =>
    (args) => {
      const shared = keyOf(args);
      if (!shared) return subscribe(args);
      const pending = streams.get(shared.key);
      // No await before open: it claims the key at once, before the next subscriber looks.
      if (!pending) return open(subscribe, args, shared.key, shared.mode);
      return pending.then((multicast) => (multicast?.acceptsSubscribers ? join(multicast, args) : open(subscribe, args, shared.key, shared.mode)));
    };

  return {
    onSubscribe({ subscribeFn, setSubscribeFn }: { subscribeFn: SubscribeFn; setSubscribeFn(fn: SubscribeFn): void }) {
      setSubscribeFn(share(subscribeFn));
    },
    /** The direct feed of the shared subscription this request joined, if it joined one. */
    directFeedOf(request: object): DirectFeed | undefined {
      return feeds.get(request);
    },
    /** How many upstream streams are open or opening now. */
    get sharedStreams(): number {
      return streams.size;
    },
  };
}
