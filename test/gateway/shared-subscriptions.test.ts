import { parse, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../core/principal.js';
import { sharedSubscriptionsPlugin, type SharingPolicy } from '../../gateway/shared-subscriptions.js';

const person = (username: string): Principal => ({ username, groups: [], scopes: ['*'], admin: false, kind: 'user' });

/** An upstream subscription the test feeds by hand, counting how often it was opened and closed. */
function upstream() {
  const streams: { push(value: unknown): void; fail(error: Error): void; closed: boolean }[] = [];
  const subscribe = () => {
    const queue: unknown[] = [];
    let waiting: ((result: IteratorResult<unknown>) => void) | null = null;
    let failWaiting: ((error: Error) => void) | null = null;
    const stream = {
      closed: false,
      push(value: unknown) {
        if (waiting) waiting({ value, done: false });
        else queue.push(value);
        waiting = null;
      },
      fail(error: Error) {
        failWaiting?.(error);
      },
    };
    streams.push(stream);
    const iterator: AsyncIterableIterator<unknown> = {
      next: () =>
        queue.length ? Promise.resolve({ value: queue.shift(), done: false }) : new Promise((resolve, reject) => ((waiting = resolve), (failWaiting = reject))),
      return: async () => {
        stream.closed = true;
        waiting?.({ value: undefined, done: true });
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return Promise.resolve(iterator);
  };
  return { subscribe, streams };
}

/** Subscribes as the gateway's SSE requests do, each with its own request, whose direct feed it returns too. */
function sharingWithFeeds(policy: SharingPolicy, subscribe: (args: ExecutionArgs) => unknown) {
  let shared!: (args: ExecutionArgs) => unknown;
  const plugin = sharedSubscriptionsPlugin(policy, (context) => (context as { principal: Principal }).principal);
  plugin.onSubscribe({ subscribeFn: subscribe, setSubscribeFn: (fn) => (shared = fn) });
  return async (text: string, principal: Principal, variableValues: Record<string, unknown> = {}) => {
    const request = {};
    const iterator = (await shared({ schema: {} as GraphQLSchema, document: parse(text), contextValue: { principal, request }, variableValues })) as AsyncIterableIterator<unknown>;
    return { iterator, feed: plugin.directFeedOf(request) };
  };
}

function sharing(policy: SharingPolicy, subscribe: (args: ExecutionArgs) => unknown) {
  const subscribeWithFeed = sharingWithFeeds(policy, subscribe);
  return async (text: string, principal: Principal, variableValues: Record<string, unknown> = {}) => (await subscribeWithFeed(text, principal, variableValues)).iterator;
}

/** A direct delivery that records what it took, refusing from the `refuseFrom`th result on. */
function recorder(refuseFrom = Infinity) {
  const taken: unknown[] = [];
  let offered = 0;
  const delivery = {
    taken,
    detachments: 0,
    deliver: (value: unknown) => {
      if (++offered >= refuseFrom) return false;
      taken.push(value);
      return true;
    },
    detached: () => void delivery.detachments++,
  };
  return delivery;
}

/** Lets the shared stream take in what the upstream was given. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

/** Whether the iterator has a value to give at once (rather than waiting for one). */
const hasReady = async (iterator: AsyncIterator<unknown>) => {
  const pending = Symbol('pending');
  return (await Promise.race([iterator.next().then(() => true), new Promise((resolve) => setTimeout(() => resolve(pending), 20))])) !== pending;
};

const take = async (iterator: AsyncIterator<unknown>, count: number) => {
  const values = [];
  for (let i = 0; i < count; i++) values.push((await iterator.next()).value);
  return values;
};

const EVENTS = 'subscription ($id: ID!) { taskEvents(taskId: $id) { seq } }';
const UPDATES = 'subscription { taskUpdated { id } }';
const POLICY: SharingPolicy = { taskEvents: 'replay', taskUpdated: 'live' };

/** A live subscriber switched to direct delivery as soon as it joined, and its upstream. */
async function fedDirectly(refuseFrom?: number) {
  const source = upstream();
  const subscribe = sharingWithFeeds(POLICY, source.subscribe);
  const { iterator, feed } = await subscribe(UPDATES, person('alice'));
  const delivery = recorder(refuseFrom);
  feed!.attach(delivery);
  return { upstream: source.streams[0]!, iterator, delivery };
}

describe('shared subscriptions', () => {
  it('opens one upstream stream for identical subscriptions, even when they arrive together', async () => {
    const source = upstream();
    const subscribe = sharing(POLICY, source.subscribe);
    const [a, b] = await Promise.all([subscribe(UPDATES, person('alice')), subscribe(UPDATES, person('alice'))]);
    expect(source.streams).toHaveLength(1);
    source.streams[0]!.push(1);
    source.streams[0]!.push(2);
    expect(await take(a, 2)).toEqual([1, 2]);
    expect(await take(b, 2)).toEqual([1, 2]);
  });

  it('gives a late joiner of a live stream what happens from then on, and of a replay stream the whole history first', async () => {
    const source = upstream();
    const subscribe = sharing(POLICY, source.subscribe);
    const live = await subscribe(UPDATES, person('alice'));
    const history = await subscribe(EVENTS, person('alice'), { id: 't1' });
    const [liveStream, historyStream] = source.streams;
    liveStream!.push('old news');
    historyStream!.push(1);
    await take(live, 1);
    await take(history, 1);
    const lateLive = await subscribe(UPDATES, person('alice'));
    const lateHistory = await subscribe(EVENTS, person('alice'), { id: 't1' });
    liveStream!.push('news');
    historyStream!.push(2);
    expect(await take(lateLive, 1)).toEqual(['news']);
    expect(await take(lateHistory, 2)).toEqual([1, 2]);
    expect(source.streams).toHaveLength(2);
  });

  it('never shares between callers, variables or fields the policy does not name', async () => {
    const source = upstream();
    const subscribe = sharing(POLICY, source.subscribe);
    await subscribe(EVENTS, person('alice'), { id: 't1' });
    await subscribe(EVENTS, person('bob'), { id: 't1' });
    await subscribe(EVENTS, person('alice'), { id: 't2' });
    await subscribe('subscription { somethingElse { id } }', person('alice'));
    await subscribe('subscription { somethingElse { id } }', person('alice'));
    expect(source.streams).toHaveLength(5);
  });

  it('closes the upstream when the last subscriber leaves, and opens a new one for the next', async () => {
    const source = upstream();
    const subscribe = sharing(POLICY, source.subscribe);
    const a = await subscribe(UPDATES, person('alice'));
    const b = await subscribe(UPDATES, person('alice'));
    await a.return!();
    expect(source.streams[0]!.closed).toBe(false);
    source.streams[0]!.push('still here');
    expect(await take(b, 1)).toEqual(['still here']);
    await b.return!();
    expect(source.streams[0]!.closed).toBe(true);
    await subscribe(UPDATES, person('alice'));
    expect(source.streams).toHaveLength(2);
  });

  it('ends every subscriber with the upstream error', async () => {
    const source = upstream();
    const subscribe = sharing(POLICY, source.subscribe);
    const [a, b] = await Promise.all([subscribe(UPDATES, person('alice')), subscribe(UPDATES, person('alice'))]);
    const nexts = [a.next(), b.next()];
    source.streams[0]!.fail(new Error('subgraph went away'));
    for (const next of nexts) await expect(next).rejects.toThrow('subgraph went away');
  });

  it("answers a refusal to its caller alone: the next subscriber asks again", async () => {
    let calls = 0;
    const refusal = { errors: [{ message: 'You may not see task t1' }] };
    const subscribe = sharing(POLICY, async () => (calls++, refusal));
    expect(await subscribe(EVENTS, person('gina'), { id: 't1' })).toBe(refusal);
    expect(await subscribe(EVENTS, person('gina'), { id: 't1' })).toBe(refusal);
    expect(calls).toBe(2);
  });

  describe('direct delivery (how SSE responses take a shared stream)', () => {
    it('hands a subscriber the history, then every result as it comes, while its iterator stays idle', async () => {
      const source = upstream();
      const subscribe = sharingWithFeeds(POLICY, source.subscribe);
      const first = await subscribe(EVENTS, person('alice'), { id: 't1' });
      source.streams[0]!.push({ data: 1 });
      source.streams[0]!.push({ data: 2 });
      await settled();
      await take(first.iterator, 2);
      const late = await subscribe(EVENTS, person('alice'), { id: 't1' });
      const delivery = recorder();
      late.feed!.attach(delivery);
      expect(delivery.taken).toEqual([{ data: 1 }, { data: 2 }]);
      source.streams[0]!.push({ data: 3 });
      await settled();
      expect(delivery.taken).toEqual([{ data: 1 }, { data: 2 }, { data: 3 }]);
      expect(delivery.detachments).toBe(0);
      // The iterator still serves whoever reads it: the first subscriber's is unaffected.
      expect(await take(first.iterator, 1)).toEqual([{ data: 3 }]);
    });

    it('sends a result with errors, and everything after it, through the iterator instead', async () => {
      const { upstream: stream, iterator, delivery } = await fedDirectly();
      const failed = { errors: [{ message: 'the site went away' }] };
      stream.push({ data: 1 });
      stream.push(failed);
      stream.push({ data: 3 });
      await settled();
      expect(delivery.taken).toEqual([{ data: 1 }]);
      expect(delivery.detachments).toBe(1);
      expect(await take(iterator, 2)).toEqual([failed, { data: 3 }]);
    });

    it('loses and repeats nothing when the delivery refuses a result: the iterator gives it next', async () => {
      const { upstream: stream, iterator, delivery } = await fedDirectly(2);
      for (const value of [1, 2, 3]) stream.push({ data: value });
      await settled();
      expect(delivery.taken).toEqual([{ data: 1 }]);
      expect(await take(iterator, 2)).toEqual([{ data: 2 }, { data: 3 }]);
    });

    it('keeps what the delivery refused of the history for the iterator, in order', async () => {
      const source = upstream();
      const subscribe = sharingWithFeeds(POLICY, source.subscribe);
      const first = await subscribe(EVENTS, person('alice'), { id: 't1' });
      for (const value of [1, 2, 3]) source.streams[0]!.push({ data: value });
      await settled();
      await take(first.iterator, 3);
      const late = await subscribe(EVENTS, person('alice'), { id: 't1' });
      const delivery = recorder(2);
      late.feed!.attach(delivery);
      expect(delivery.taken).toEqual([{ data: 1 }]);
      expect(delivery.detachments).toBe(1);
      expect(await take(late.iterator, 2)).toEqual([{ data: 2 }, { data: 3 }]);
    });

    it('stops at the end of the stream, which the iterator then reports, error and all', async () => {
      const { upstream: stream, iterator, delivery } = await fedDirectly();
      expect(await hasReady(iterator)).toBe(false);
      stream.fail(new Error('subgraph went away'));
      await vi.waitFor(() => expect(delivery.detachments).toBe(1));
      await expect(iterator.next()).rejects.toThrow('subgraph went away');
    });

    it('is refused to a subscriber whose iterator is already being read', async () => {
      const source = upstream();
      const subscribe = sharingWithFeeds(POLICY, source.subscribe);
      const { iterator, feed } = await subscribe(UPDATES, person('alice'));
      const reading = iterator.next();
      const delivery = recorder();
      feed!.attach(delivery);
      expect(delivery.detachments).toBe(1);
      source.streams[0]!.push({ data: 1 });
      await settled();
      expect(delivery.taken).toEqual([]);
      expect((await reading).value).toEqual({ data: 1 });
    });
  });
});

