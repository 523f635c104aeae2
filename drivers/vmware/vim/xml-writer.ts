import type { MoRef } from './managed-object.js';

/**
 * An XML fragment that is already serialized. Requests are built from these so text is escaped
 * exactly once: plain strings given to `element` are always text, never markup.
 */
export class Xml {
  private constructor(readonly text: string) {}

  static fragment(text: string): Xml {
    return new Xml(text);
  }
}

/** What an element may hold; `undefined` and `null` write nothing, so optional parts drop out. */
export type XmlContent = Xml | string | number | boolean | undefined | null | readonly XmlContent[];

export function element(name: string, attributes: Record<string, string>, ...content: XmlContent[]): Xml {
  const attributeText = Object.entries(attributes)
    .map(([attribute, value]) => ` ${attribute}="${escapeXml(value)}"`)
    .join('');
  return Xml.fragment(`<${name}${attributeText}>${content.map(serialize).join('')}</${name}>`);
}

/** An element of a vim25 data type; element order follows the type's XML schema sequence. */
export function el(name: string, ...content: XmlContent[]): Xml {
  return element(name, {}, ...content);
}

/** An element holding a subtype of its declared type (`xsi:type`), as vim25 polymorphic fields need. */
export function typed(name: string, xsiType: string, ...content: XmlContent[]): Xml {
  return element(name, { 'xsi:type': xsiType }, ...content);
}

/** `<name type="VirtualMachine">vm-42</name>` */
export function moRefElement(name: string, ref: MoRef): Xml {
  return element(name, { type: ref.type }, ref.value);
}

/** The element, or nothing when there is no value. */
export function optional(name: string, value: string | number | boolean | undefined): Xml | undefined {
  return value === undefined ? undefined : el(name, value);
}

function serialize(content: XmlContent): string {
  if (content === undefined || content === null) return '';
  if (content instanceof Xml) return content.text;
  if (Array.isArray(content)) return content.map(serialize).join('');
  return escapeXml(String(content));
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => ENTITIES[character]);
}

const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };
