import { createClient, type RedisClientType } from 'redis';
import type { Bus, Unsubscribe } from './bus.js';

/**
 * Redis pub/sub between processes. One connection publishes, a duplicate subscribes (a subscribed
 * connection can do nothing else); node-redis reconnects and resubscribes after a Redis restart.
 * Channels are shared by every local subscriber: one Redis subscription per channel, not per client.
 */
export class RedisBus implements Bus {
  private readonly publisher: RedisClientType;
  private readonly subscriber: RedisClientType;
  private readonly listeners = new Map<string, Set<(message: unknown) => void>>();
  private readonly ready: Promise<unknown>;

  constructor(url: string) {
    this.publisher = createClient({ url }) as RedisClientType;
    this.subscriber = this.publisher.duplicate();
    // Errors surface through failed calls; without a listener node-redis would crash the process.
    this.publisher.on('error', () => {});
    this.subscriber.on('error', () => {});
    this.ready = Promise.all([this.publisher.connect(), this.subscriber.connect()]);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.ready;
    await this.publisher.publish(channel, JSON.stringify(message));
  }

  async subscribe(channel: string, onMessage: (message: unknown) => void): Promise<Unsubscribe> {
    await this.ready;
    let listeners = this.listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(channel, listeners);
      const local = listeners;
      await this.subscriber.subscribe(channel, (raw) => {
        const message = JSON.parse(raw) as unknown;
        for (const listener of local) listener(message);
      });
    }
    listeners.add(onMessage);
    return async () => {
      listeners.delete(onMessage);
      if (listeners.size === 0 && this.listeners.get(channel) === listeners) {
        this.listeners.delete(channel);
        await this.subscriber.unsubscribe(channel).catch(() => {});
      }
    };
  }

  async ping(): Promise<void> {
    await this.ready;
    await this.publisher.ping();
  }

  async close(): Promise<void> {
    await this.ready.catch(() => {});
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}
