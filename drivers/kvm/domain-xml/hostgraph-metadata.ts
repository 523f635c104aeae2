import { Fatal } from '../../driver.js';

/**
 * Hostgraph keeps a VM's labels in the domain's `<metadata>`, under a namespace of its own, so
 * reconciliation finds a VM's owner in libvirt itself and other tools' metadata is left alone:
 *
 *   <hostgraph:labels xmlns:hostgraph="…"><hostgraph:label name="site" value="blog"/></hostgraph:labels>
 *
 * Values sit in attributes, not text: libvirt drops text that is only whitespace, and an attribute
 * keeps every character once tabs and line breaks are written as character references.
 */
export const HOSTGRAPH_NAMESPACE = 'https://hostgraph.dev/xmlns/libvirt/labels/1';
const PREFIX = 'hostgraph';

export function labelsMetadataXml(labels: Record<string, string>): string {
  const entries = Object.entries(labels).map(([name, value]) => {
    requireXmlText(`label name ${JSON.stringify(name)}`, name);
    requireXmlText(`label ${JSON.stringify(name)}`, value);
    return `<${PREFIX}:label name="${xmlAttribute(name)}" value="${xmlAttribute(value)}"/>`;
  });
  return `<${PREFIX}:labels xmlns:${PREFIX}="${HOSTGRAPH_NAMESPACE}">${entries.join('')}</${PREFIX}:labels>`;
}

/** Escapes an attribute value so an XML parser gives back exactly `value`. */
export function xmlAttribute(value: string): string {
  return value.replace(/[&<>"'\t\n\r]/g, (character) => `&#${character.codePointAt(0)};`);
}

/** Characters XML 1.0 cannot hold at all, escaped or not (most control characters, lone surrogates). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function requireXmlText(what: string, value: string): void {
  if (typeof value !== 'string' || NOT_XML.test(value)) {
    throw new Fatal(`kvm: ${what} must be text without control characters (libvirt stores it as XML)`);
  }
}
