import type { MoRef } from './managed-object.js';
import type { VimClient } from './vim-client.js';
import { VimFault, isFault, readLocalizedFault } from './vim-errors.js';
import { child, childText, children, readMoRef } from './xml-reader.js';
import { el, moRefElement, typed, type Xml } from './xml-writer.js';

/** Which properties to read from objects of one managed object type. */
export interface PropertySelection {
  type: string;
  paths: readonly string[];
}

/** One object's properties as the PropertyCollector returned them: each `<val>` element by property path. */
export interface ObjectContent {
  obj: MoRef;
  properties: Map<string, Element>;
}

/** Reads properties of one object; `null` when it does not exist (any more). */
export async function retrieveObject(client: VimClient, obj: MoRef, paths: readonly string[]): Promise<ObjectContent | null> {
  try {
    const [content] = await client.retryOnExpiredSession(() =>
      retrieve(client, el('objectSet', moRefElement('obj', obj), el('skip', false)), [{ type: obj.type, paths }]),
    );
    return content ?? null;
  } catch (error) {
    if (isFault(error, 'ManagedObjectNotFound')) return null;
    throw error;
  }
}

/**
 * Reads properties of every object of the selected types below `container` (a Folder or a
 * Datacenter), through a ContainerView that lives only for this read.
 */
export function retrieveContained(client: VimClient, container: MoRef, selections: readonly PropertySelection[]): Promise<ObjectContent[]> {
  return client.retryOnExpiredSession(async () => {
    const { viewManager } = await client.serviceContent();
    const view = readMoRef(
      child(
        await client.request('CreateContainerView', viewManager, moRefElement('container', container), selections.map((selection) => el('type', selection.type)), el('recursive', true)),
        'returnval',
      )!,
    );
    try {
      const objectSet = el(
        'objectSet',
        moRefElement('obj', view),
        el('skip', true),
        typed('selectSet', 'TraversalSpec', el('name', 'view'), el('type', 'ContainerView'), el('path', 'view'), el('skip', false)),
      );
      return await retrieve(client, objectSet, selections);
    } finally {
      await client.request('DestroyView', view).catch(() => {}); // views die with the session anyway
    }
  });
}

/** RetrievePropertiesEx, then ContinueRetrievePropertiesEx while the server has more pages. */
async function retrieve(client: VimClient, objectSet: Xml, selections: readonly PropertySelection[]): Promise<ObjectContent[]> {
  const { propertyCollector } = await client.serviceContent();
  const propSet = selections.map((selection) => el('propSet', el('type', selection.type), el('all', false), selection.paths.map((path) => el('pathSet', path))));
  let result = child(await client.request('RetrievePropertiesEx', propertyCollector, el('specSet', propSet, objectSet), el('options')), 'returnval');
  const contents: ObjectContent[] = [];
  while (result) {
    contents.push(...children(result, 'objects').map(readObjectContent));
    const token = childText(result, 'token');
    if (!token) break;
    result = child(await client.request('ContinueRetrievePropertiesEx', propertyCollector, el('token', token)), 'returnval');
  }
  return contents;
}

function readObjectContent(objects: Element): ObjectContent {
  const properties = new Map<string, Element>();
  for (const property of children(objects, 'propSet')) {
    const value = child(property, 'val');
    if (value) properties.set(childText(property, 'name') ?? '', value);
  }
  for (const missing of children(objects, 'missingSet')) {
    const fault = child(missing, 'fault');
    // Without a session some servers (vcsim) still answer, marking every property NotAuthenticated.
    if (fault && readLocalizedFault(fault).faultName === 'NotAuthenticated') {
      throw new VimFault('NotAuthenticated', `reading ${childText(missing, 'path')} needs a session`);
    }
  }
  return { obj: readMoRef(child(objects, 'obj')!), properties };
}
