import { parse, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
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

function sharing(policy: SharingPolicy, subscribe: (args: ExecutionArgs) => unknown) {
  let shared!: (args: ExecutionArgs) => unknown;
  sharedSubscriptionsPlugin(policy, (context) => (context as { principal: Principal }).principal).onSubscribe({
    subscribeFn: subscribe,
    setSubscribeFn: (fn) => (shared = fn),
  });
  return (text: string, principal: Principal, variableValues: Record<string, unknown> = {}) =>
    shared({ schema: {} as GraphQLSchema, document: parse(text), contextValue: { principal }, variableValues }) as Promise<AsyncIterableIterator<unknown>>;
}

const take = async (iterator: AsyncIterator<unknown>, count: number) => {
  const values = [];
  for (let i = 0; i < count; i++) values.push((await iterator.next()).value);
  return values;
};

const EVENTS = 'subscription ($id: ID!) { taskEvents(taskId: $id) { seq } }';
const UPDATES = 'subscription { taskUpdated { id } }';
const POLICY: SharingPolicy = { taskEvents: 'replay', taskUpdated: 'live' };

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
});
