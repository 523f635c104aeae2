import { EventEmitter } from 'node:events';
import type { Bus, Unsubscribe } from './bus.js';

/** The embedded default: one process, so an event emitter is the whole bus. */
export class InProcessBus implements Bus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(channel: string, message: unknown): Promise<void> {
    // Copied through JSON so subscribers see what they would see over Redis.
    this.emitter.emit(channel, JSON.parse(JSON.stringify(message)));
  }

  async subscribe(channel: string, onMessage: (message: unknown) => void): Promise<Unsubscribe> {
    this.emitter.on(channel, onMessage);
    return async () => {
      this.emitter.off(channel, onMessage);
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
