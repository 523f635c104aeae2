/**
 * Pub/sub between processes. Delivery is best effort: whoever needs every message (task event
 * streams) stores it first and reads the store to fill gaps.
 */

export type Unsubscribe = () => Promise<void>;

export interface Bus {
  publish(channel: string, message: unknown): Promise<void>;
  /** Resolves once the subscription is live, so nothing published afterwards is missed. */
  subscribe(channel: string, onMessage: (message: unknown) => void): Promise<Unsubscribe>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
