import type { Snapshot } from '../../driver.js';
import { child, parseLibvirtXml, text } from './read-domain-xml.js';

/** A snapshot from `virsh snapshot-dumpxml`; its ref is its name, unique per domain in libvirt. */
export function readSnapshotXml(xml: string): Snapshot {
  const snapshot = parseLibvirtXml(xml, 'domainsnapshot').documentElement!;
  const name = text(child(snapshot, 'name'));
  // creationTime is in seconds since the epoch.
  return { ref: name, name, createdAt: new Date(Number(text(child(snapshot, 'creationTime'))) * 1000) };
}
