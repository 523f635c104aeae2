import { Xml, el, typed } from './vim/xml-writer.js';

/**
 * Labels live in the VM's extraConfig (its .vmx), under one key as JSON: vmx keys are
 * case-insensitive and limited in characters, label keys are neither. Clones carry them along.
 */
export const LABELS_KEY = 'hostgraph.labels';

/** The `extraConfig` entry that stores `labels`; nothing for no labels. */
export function labelsExtraConfig(labels: Record<string, string>): Xml | undefined {
  if (Object.keys(labels).length === 0) return undefined;
  return typed('extraConfig', 'OptionValue', el('key', LABELS_KEY), typed('value', 'xsd:string', JSON.stringify(labels)));
}

/** Labels from the stored JSON; a VM that someone else tagged with something else has none. */
export function parseLabels(stored: string | undefined): Record<string, string> {
  if (!stored) return {};
  try {
    const parsed: unknown = JSON.parse(stored);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}

export function sameLabels(a: Record<string, string> = {}, b: Record<string, string> = {}): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
