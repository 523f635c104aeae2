import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Fatal, type PluginError, Transient } from '../../plugin-errors.js';
import type { DnsPublisher } from '../dns-publisher.js';
import { type DnsRecord, normalizeName, normalizeRecordType, type RecordType } from '../dns-record.js';
import { ManagedZones } from '../managed-zones.js';
import type { RecordChange } from '../record-change.js';
import { applyZoneChanges } from './zone-changes.js';
import { parseZone, renderZone, type ZoneContent, type ZoneSettings } from './zone-file-format.js';

export interface ZoneFileOptions {
  /** Where the files go, one `<zone>.zone` per zone. */
  directory: string;
  zones: string[];
  nameServers: string[];
  /** The SOA mailbox as a DNS name; `hostmaster.<zone>` when absent. */
  hostmaster?: string;
}

/** File system errors that no retry will cure. */
const LASTING_FS_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR']);

function fileSystemError(error: unknown, what: string): PluginError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = `${what}: ${(error as Error).message}`;
  return LASTING_FS_ERRORS.has(code) ? new Fatal(message, { cause: error }) : new Transient(message, { cause: error });
}

/**
 * The embedded default: writes one RFC 1035 zone file per zone, for a name server that loads them
 * (BIND `file`, NSD, Knot). A change that changes nothing leaves the file alone; one that does
 * bumps the SOA serial and replaces the file atomically (temporary file, fsync, rename), so a
 * reader never sees half a zone. Changes to one zone are serialized within this process; two
 * processes must not write the same directory.
 */
export class ZoneFilePublisher implements DnsPublisher {
  readonly kind = 'zonefile';
  private readonly zones: ManagedZones;
  private readonly nameServers: string[];
  private readonly writing = new Map<string, Promise<unknown>>();

  constructor(private readonly options: ZoneFileOptions) {
    this.zones = new ManagedZones(options.zones);
    if (options.nameServers.length === 0) throw new Fatal('zone files need at least one name server for their SOA and NS records');
    this.nameServers = options.nameServers.map((server) => normalizeName(server));
  }

  /** The file that holds `zone`. */
  pathOf(zone: string): string {
    return join(this.options.directory, `${normalizeName(zone)}.zone`);
  }

  async apply(changes: RecordChange[]): Promise<void> {
    for (const [zone, zoneChanges] of this.zones.group(changes)) {
      await this.serialized(zone, () => this.applyToZone(zone, zoneChanges));
    }
  }

  async lookup(name: string, type: RecordType): Promise<DnsRecord[]> {
    const owner = normalizeName(name, { wildcard: true });
    normalizeRecordType(type);
    const file = await this.read(this.zones.zoneOf(owner));
    return (file?.content.records ?? []).filter((record) => record.name === owner && record.type === type);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.writing.values());
  }

  private async applyToZone(zone: string, changes: RecordChange[]): Promise<void> {
    const file = await this.read(zone);
    const settings = this.settingsOf(zone);
    const records = applyZoneChanges(zone, file?.content.records ?? [], changes);
    const serial = file?.content.serial ?? 0;
    // Compared with the file as it is, so new name servers in the settings also get written.
    if (file && renderZone(settings, { serial, records }) === file.text) return;
    await this.write(zone, renderZone(settings, { serial: (serial + 1) % 2 ** 32, records }));
  }

  private settingsOf(zone: string): ZoneSettings {
    const hostmaster = this.options.hostmaster ? normalizeName(this.options.hostmaster) : `hostmaster.${zone}`;
    return { zone, nameServers: this.nameServers, hostmaster };
  }

  /** The zone's file and what it holds, or null when it does not exist yet. */
  private async read(zone: string): Promise<{ text: string; content: ZoneContent } | null> {
    const path = this.pathOf(zone);
    try {
      const text = await readFile(path, 'utf8');
      return { text, content: parseZone(text, path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if (error instanceof Fatal) throw error;
      throw fileSystemError(error, `reading ${path}`);
    }
  }

  private async write(zone: string, text: string): Promise<void> {
    const path = this.pathOf(zone);
    const temporary = `${path}.${randomUUID()}.tmp`;
    try {
      await mkdir(this.options.directory, { recursive: true });
      const file = await open(temporary, 'w', 0o644);
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw fileSystemError(error, `writing ${path}`);
    }
  }

  /** Runs `work` after the zone's earlier work, whether that succeeded or not. */
  private serialized(zone: string, work: () => Promise<void>): Promise<void> {
    const previous = this.writing.get(zone) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.writing.set(zone, next);
    return next;
  }
}
