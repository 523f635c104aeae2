import type { Bus } from '../bus/bus.js';
import { FINAL_EVENT_TYPES } from './task-state.js';
import { taskEventsChannel, type TaskEventView } from './task-view.js';

export interface TaskEventStreamOptions {
  taskId: string;
  /** Events with a sequence number above this are delivered. */
  after: number;
  bus: Bus;
  /** Stored events after `seq`, in order. The store is the truth; the bus only says "look now". */
  load(after: number): Promise<TaskEventView[]>;
  /** A missed last message must not leave a subscriber hanging: look at the store this often. */
  pollMs?: number;
}

/**
 * Replays the stored events after `after`, then follows live ones: no gap, no duplicate, in order,
 * ending after the task's final event. Subscribes before reading the store, so an event stored
 * while the replay runs arrives live; a live event that skips ahead makes it read the store for
 * what was missed (a pub/sub message lost in a Redis restart, say).
 */
export function streamTaskEvents(options: TaskEventStreamOptions): AsyncIterableIterator<TaskEventView> {
  // A generator waiting for the next event would only notice `return()` once one arrives; the
  // abort wakes it at once, so a client that goes away frees its subscription straight away.
  const abort = new AbortController();
  const events = follow(options, abort.signal);
  return {
    next: () => events.next(),
    return: (value?: unknown) => {
      abort.abort();
      return events.return(value as undefined);
    },
    throw: (error?: unknown) => {
      abort.abort();
      return events.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

async function* follow(options: TaskEventStreamOptions, signal: AbortSignal): AsyncGenerator<TaskEventView> {
  const { pollMs = 5000 } = options;
  const live: TaskEventView[] = [];
  let wake: (() => void) | null = null;
  const rouse = () => {
    wake?.();
    wake = null;
  };
  const unsubscribe = await options.bus.subscribe(taskEventsChannel(options.taskId), (message) => {
    live.push(message as TaskEventView);
    rouse();
  });
  signal.addEventListener('abort', rouse);
  let last = options.after;
  try {
    const isFinal = (event: TaskEventView) => FINAL_EVENT_TYPES.includes(event.type);
    let done = false;
    const fromStore = async function* () {
      for (const event of await options.load(last)) {
        last = event.seq;
        yield event;
        if (isFinal(event)) return void (done = true);
      }
    };
    yield* fromStore();
    while (!done && !signal.aborted) {
      if (live.length === 0) {
        const timer = new Promise<'poll'>((resolve) => {
          const handle = setTimeout(() => resolve('poll'), pollMs);
          wake = () => {
            clearTimeout(handle);
            resolve('poll');
          };
        });
        await timer;
        if (live.length === 0) {
          yield* fromStore();
          continue;
        }
      }
      const event = live.shift()!;
      if (event.seq <= last) continue;
      if (event.seq > last + 1) {
        live.length = 0;
        yield* fromStore();
        continue;
      }
      last = event.seq;
      yield event;
      done = isFinal(event);
    }
  } finally {
    signal.removeEventListener('abort', rouse);
    await unsubscribe();
  }
}
