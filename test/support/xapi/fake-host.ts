import type { XapiObjects } from './xapi-objects.js';
import type { TaskRunner } from './xapi-tasks.js';

export interface FakeHostTiming {
  /** How long a VM or disk operation works; its task's progress advances over this time. */
  operationMs: number;
  /** xenopsd's domain_shutdown_ack_timeout: how long a clean shutdown or reboot waits for the guest to acknowledge. */
  shutdownAckTimeoutMs: number;
}

/** The state every operation of the fake works on: one pool with one host. */
export interface FakeHost {
  readonly objects: XapiObjects;
  readonly tasks: TaskRunner;
  readonly timing: FakeHostTiming;
  /** Guests that never acknowledge a clean shutdown or reboot request (no PV drivers answering, a hung kernel). */
  readonly guestsIgnoringShutdown: Set<string>;
  hostRef(): string;
}
