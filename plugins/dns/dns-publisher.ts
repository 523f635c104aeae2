import type { DnsRecord, RecordType } from './dns-record.js';
import type { RecordChange } from './record-change.js';

/**
 * Publishes Hostgraph's records into the zones it manages: by RFC 2136 dynamic update to a primary
 * server, or by writing zone files. Only the worker calls it, from task steps.
 *
 * Each change goes to the configured zone that holds its name (the longest match); a name in no
 * configured zone is Fatal. The changes of one zone are applied atomically; several zones are
 * applied one after the other, so a failure can leave earlier zones changed: the step retries
 * (everything is idempotent) or compensates.
 *
 * Errors: `Transient` (plugins/plugin-errors.ts) when retrying later may work (server unreachable,
 * timed out, SERVFAIL); `Fatal` when it will not (key refused, update refused, invalid record).
 *
 * A CNAME cannot share its name with other records: the zone-file publisher refuses such a change
 * with Fatal, while an RFC 2136 server silently ignores the conflicting add (RFC 2136 §3.4.2.2).
 */
export interface DnsPublisher {
  readonly kind: string;
  apply(changes: RecordChange[]): Promise<void>;
  /** The records of `type` at `name` as the primary (or the zone file) has them now. */
  lookup(name: string, type: RecordType): Promise<DnsRecord[]>;
  close(): Promise<void>;
}
