import type { Bus } from './bus.js';

/**
 * A bus channel as an async iterator, for GraphQL subscriptions that need no replay. Messages that
 * arrive faster than the client reads are buffered; `return()` unsubscribes at once.
 */
export async function channelIterator<T>(bus: Bus, channel: string, accept: (message: T) => boolean = () => true): Promise<AsyncIterableIterator<T>> {
  const buffered: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | null = null;
  let closed = false;
  const unsubscribe = await bus.subscribe(channel, (message) => {
    if (closed || !accept(message as T)) return;
    if (waiting) {
      waiting({ value: message as T, done: false });
      waiting = null;
    } else buffered.push(message as T);
  });
  const close = async (): Promise<IteratorResult<T>> => {
    if (!closed) {
      closed = true;
      waiting?.({ value: undefined, done: true });
      waiting = null;
      await unsubscribe();
    }
    return { value: undefined, done: true };
  };
  const iterator: AsyncIterableIterator<T> = {
    next: () => {
      if (buffered.length > 0) return Promise.resolve({ value: buffered.shift()!, done: false });
      if (closed) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: close,
    throw: async (error) => {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
