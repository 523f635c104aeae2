import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Bus } from '../../core/bus/bus.js';
import { InProcessBus } from '../../core/bus/in-process-bus.js';
import { RedisBus } from '../../core/bus/redis-bus.js';
import { eventually } from '../support/eventually.js';

/** Two ends of a bus: on Redis, two connections as two processes would have; in-process, one bus. */
const backends: [string, () => { publisher: Bus; subscriber: Bus }][] = [
  [
    'in-process',
    () => {
      const bus = new InProcessBus();
      return { publisher: bus, subscriber: bus };
    },
  ],
  ['Redis pub/sub', () => ({ publisher: new RedisBus(inject('redisUrl')), subscriber: new RedisBus(inject('redisUrl')) })],
];

describe.each(backends)('Bus: %s', (_name, open) => {
  let ends: { publisher: Bus; subscriber: Bus };
  const channel = () => `bus-test:${randomUUID()}`;
  afterEach(async () => {
    await Promise.all([...new Set([ends.publisher, ends.subscriber])].map((bus) => bus.close()));
  });

  it('delivers what is published after subscribe resolves, in order, as plain JSON', async () => {
    ends = open();
    const name = channel();
    const received: unknown[] = [];
    await ends.subscriber.subscribe(name, (message) => received.push(message));
    for (let seq = 1; seq <= 50; seq++) await ends.publisher.publish(name, { seq, at: new Date(0) });
    await eventually(() => expect(received).toHaveLength(50));
    expect(received.map((message) => (message as { seq: number }).seq)).toEqual([...Array(50).keys()].map((i) => i + 1));
    expect(received[0]).toEqual({ seq: 1, at: '1970-01-01T00:00:00.000Z' });
  });

  it('gives each local subscriber of a channel every message, and stops after unsubscribe', async () => {
    ends = open();
    const name = channel();
    const first: unknown[] = [];
    const second: unknown[] = [];
    const unsubscribeFirst = await ends.subscriber.subscribe(name, (message) => first.push(message));
    await ends.subscriber.subscribe(name, (message) => second.push(message));
    await ends.publisher.publish(name, 'both');
    await eventually(() => expect([first, second]).toEqual([['both'], ['both']]));
    await unsubscribeFirst();
    await ends.publisher.publish(name, 'second only');
    await eventually(() => expect(second).toEqual(['both', 'second only']));
    expect(first).toEqual(['both']);
  });

  it('keeps channels apart', async () => {
    ends = open();
    const [a, b] = [channel(), channel()];
    const onA: unknown[] = [];
    await ends.subscriber.subscribe(a, (message) => onA.push(message));
    await ends.publisher.publish(b, 'for b');
    await ends.publisher.publish(a, 'for a');
    await eventually(() => expect(onA).toEqual(['for a']));
  });
});
