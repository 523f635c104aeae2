import { DOMParser } from '@xmldom/xmldom';
import { Fatal } from '../../driver.js';
import { HOSTGRAPH_NAMESPACE } from './hostgraph-metadata.js';

export interface DomainDisk {
  /** `disk`, `cdrom`, `floppy`, `lun`. */
  device: string;
  /** The guest's name for it: `vda`, `sda`. */
  target: string;
  /** The file on the host, when the disk is a file. */
  file?: string;
  /** The image format libvirt opens it with (`qcow2`, `raw`). */
  format?: string;
  readonly: boolean;
}

/** What the driver needs from `virsh dumpxml`. */
export interface DomainDescription {
  uuid: string;
  name: string;
  vcpus: number;
  memoryMiB: number;
  labels: Record<string, string>;
  disks: DomainDisk[];
  macs: string[];
}

/** Parses XML virsh printed, whose root must be `rootName` (`domain`, `domainsnapshot`). */
export function parseLibvirtXml(xml: string, rootName: string): Document {
  const errors: string[] = [];
  const document = new DOMParser({
    errorHandler: {
      error: (message: string) => errors.push(message),
      fatalError: (message: string) => errors.push(message),
    },
  }).parseFromString(xml, 'text/xml');
  const root = document.documentElement;
  if (errors.length || !root || root.tagName !== rootName) {
    throw new Fatal(`kvm: virsh gave ${rootName} XML this driver cannot read: ${errors.join('; ') || `no <${rootName}> element`}`);
  }
  return document;
}

export function readDomainXml(xml: string): DomainDescription {
  const domain = parseLibvirtXml(xml, 'domain').documentElement!;
  const vcpu = child(domain, 'vcpu');
  const memory = child(domain, 'memory');
  const devices = child(domain, 'devices');
  return {
    uuid: text(child(domain, 'uuid')),
    name: text(child(domain, 'name')),
    // `current` is how many are plugged in; the text is the maximum.
    vcpus: Number(vcpu?.getAttribute('current') || text(vcpu)),
    memoryMiB: toMiB(Number(text(memory)), memory?.getAttribute('unit') || 'KiB'),
    labels: readLabels(domain),
    disks: children(devices, 'disk').map((disk) => ({
      device: disk.getAttribute('device') || 'disk',
      target: child(disk, 'target')?.getAttribute('dev') ?? '',
      file: child(disk, 'source')?.getAttribute('file') || undefined,
      format: child(disk, 'driver')?.getAttribute('type') || undefined,
      readonly: child(disk, 'readonly') !== undefined,
    })),
    macs: children(devices, 'interface')
      .map((nic) => child(nic, 'mac')?.getAttribute('address') ?? '')
      .filter(Boolean),
  };
}

function readLabels(domain: Element): Record<string, string> {
  const labels: Record<string, string> = {};
  const metadata = child(domain, 'metadata');
  if (!metadata) return labels;
  for (const label of Array.from(metadata.getElementsByTagNameNS(HOSTGRAPH_NAMESPACE, 'label'))) {
    labels[label.getAttribute('name') ?? ''] = label.getAttribute('value') ?? '';
  }
  return labels;
}

/** The direct children of `parent` named `name` (not deeper ones: a snapshot's XML nests a whole domain). */
export function children(parent: Element | undefined, name: string): Element[] {
  if (!parent) return [];
  return Array.from(parent.childNodes).filter((node): node is Element => node.nodeType === 1 && (node as Element).tagName === name);
}

export function child(parent: Element | undefined, name: string): Element | undefined {
  return children(parent, name)[0];
}

export function text(element: Element | undefined): string {
  return element?.textContent?.trim() ?? '';
}

/** libvirt's memory units (formatdomain.html#memory-allocation), as MiB. */
const BYTES_PER_UNIT: Record<string, number> = {
  b: 1,
  bytes: 1,
  KB: 1e3,
  k: 2 ** 10,
  KiB: 2 ** 10,
  MB: 1e6,
  M: 2 ** 20,
  MiB: 2 ** 20,
  GB: 1e9,
  G: 2 ** 30,
  GiB: 2 ** 30,
  TB: 1e12,
  T: 2 ** 40,
  TiB: 2 ** 40,
};

function toMiB(amount: number, unit: string): number {
  const bytesPerUnit = BYTES_PER_UNIT[unit];
  if (bytesPerUnit === undefined) throw new Fatal(`kvm: domain memory is in unit "${unit}", which libvirt does not define`);
  return (amount * bytesPerUnit) / 2 ** 20;
}
