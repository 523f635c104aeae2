import { createDnsPublisher, type DnsPublisherConfig } from './create-dns-publisher.js';
import type { DnsPublisher } from './dns-publisher.js';

const shared = new Map<string, { publisher: DnsPublisher; users: number }>();

/**
 * One publisher per configuration and process: the roles of one process (the worker's steps, the
 * scheduler's preallocation) then go through the same one, so a zone-file publisher serializes their
 * writes to a zone. `release` closes it once its last user is done.
 */
export function sharedDnsPublisher(config: DnsPublisherConfig): { publisher: DnsPublisher; release(): Promise<void> } {
  const key = JSON.stringify(config);
  let entry = shared.get(key);
  if (!entry) shared.set(key, (entry = { publisher: createDnsPublisher(config), users: 0 }));
  entry.users++;
  let released = false;
  return {
    publisher: entry.publisher,
    async release() {
      if (released) return;
      released = true;
      if (--entry.users > 0) return;
      shared.delete(key);
      await entry.publisher.close();
    },
  };
}
