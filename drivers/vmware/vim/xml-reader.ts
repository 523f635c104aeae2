import { DOMParser } from '@xmldom/xmldom';
import { moRef, type MoRef } from './managed-object.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** Parses a response; malformed XML throws instead of yielding a partial tree. */
export function parseXml(text: string): Document {
  const problems: string[] = [];
  const document = new DOMParser({
    errorHandler: { error: (message) => problems.push(String(message)), fatalError: (message) => problems.push(String(message)) },
  }).parseFromString(text, 'text/xml');
  if (problems.length > 0 || !document.documentElement) throw new Error(`malformed XML: ${problems[0] ?? 'no root element'}`);
  return document;
}

/** Child elements, optionally only those with the local name `name` (vim25 responses mix namespaces freely). */
export function children(parent: Element, name?: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT_NODE && (name === undefined || (node as Element).localName === name)) found.push(node as Element);
  }
  return found;
}

export function child(parent: Element | undefined, name: string): Element | undefined {
  return parent ? children(parent, name)[0] : undefined;
}

/** The text of an element, `undefined` when the element is absent. */
export function text(element: Element | undefined): string | undefined {
  return element ? (element.textContent ?? '') : undefined;
}

export function childText(parent: Element | undefined, name: string): string | undefined {
  return text(child(parent, name));
}

export function childNumber(parent: Element | undefined, name: string): number | undefined {
  const value = childText(parent, name);
  return value === undefined || value.trim() === '' ? undefined : Number(value);
}

/** The `xsi:type` of an element without its namespace prefix (`xsd:string` → `string`). */
export function xsiType(element: Element): string | undefined {
  const type = element.getAttributeNS(XSI, 'type') || element.getAttribute('xsi:type');
  return type ? type.slice(type.indexOf(':') + 1) : undefined;
}

export function readMoRef(element: Element): MoRef {
  return moRef(element.getAttribute('type') ?? '', element.textContent ?? '');
}

const ELEMENT_NODE = 1;
