import { XMLSerializer } from '@xmldom/xmldom';
import { child, children, parseLibvirtXml } from './read-domain-xml.js';

export interface CloneIdentity {
  name: string;
  uuid: string;
  /** A fresh MAC for each of the source's network interfaces. */
  newMac(): string;
  /** The source's files (disks, seed) and the clone's copies of them. */
  files: ReadonlyMap<string, string>;
}

/**
 * The clone's domain XML: the source's inactive definition (its hardware, devices and labels, as
 * virt-clone keeps them) with the clone's own name, UUID, MACs and files.
 */
export function cloneDomainXml(sourceXml: string, clone: CloneIdentity): string {
  const document = parseLibvirtXml(sourceXml, 'domain');
  const domain = document.documentElement!;
  setText(document, domain, 'name', clone.name);
  setText(document, domain, 'uuid', clone.uuid);
  const devices = child(domain, 'devices');
  for (const nic of children(devices, 'interface')) {
    // Without a <mac>, libvirt would make one up; set ours so both paths give a new address.
    const mac = child(nic, 'mac') ?? nic.insertBefore(document.createElement('mac'), nic.firstChild);
    mac.setAttribute('address', clone.newMac());
  }
  for (const disk of children(devices, 'disk')) {
    const source = child(disk, 'source');
    const copy = clone.files.get(source?.getAttribute('file') ?? '');
    if (source && copy) source.setAttribute('file', copy);
  }
  return new XMLSerializer().serializeToString(document);
}

function setText(document: Document, parent: Element, name: string, value: string): void {
  const element = child(parent, name) ?? parent.insertBefore(document.createElement(name), parent.firstChild);
  element.textContent = value;
}
