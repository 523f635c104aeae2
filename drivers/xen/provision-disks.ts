/**
 * A default template says which disks its VMs get in `other_config:disks`, for example
 * `<provision><disk device="0" size="8589934592" sr="" bootable="true" type="system"/></provision>`;
 * VM.provision creates a VDI and a VBD for each and removes the key (xapi_templates.ml). Tools such
 * as `xe vm-install` and Xen Orchestra rewrite sizes and the SR in this key between cloning the
 * template and provisioning the VM; so does this driver.
 */

interface ProvisionDisk {
  attributes: Map<string, string>;
}

/**
 * The spec with the root disk (device 0, else the first) set to `rootBytes` and every disk placed
 * on the SR `srUuid` (templates ship with `sr=""`, which XAPI cannot provision).
 */
export function sizeProvisionDisks(disksXml: string, rootBytes: number, srUuid: string): string {
  const disks = parseDisks(disksXml);
  if (disks.length === 0) throw new Error(`the template's provisioning spec has no disk: ${disksXml}`);
  const root = disks.find((disk) => disk.attributes.get('device') === '0') ?? disks[0];
  root.attributes.set('size', String(rootBytes));
  for (const disk of disks) disk.attributes.set('sr', srUuid);
  const elements = disks.map(({ attributes }) => {
    const text = [...attributes].map(([name, value]) => `${name}="${escapeAttribute(value)}"`);
    return `<disk ${text.join(' ')}/>`;
  });
  return `<provision>${elements.join('')}</provision>`;
}

function parseDisks(xml: string): ProvisionDisk[] {
  return [...xml.matchAll(/<disk\b([^>]*?)\/?>/g)].map(([, attributeText]) => ({
    attributes: new Map([...attributeText.matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)].map(([, name, value]) => [name, unescapeAttribute(value)])),
  }));
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function unescapeAttribute(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
