import { badInput } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids this API hands out are UUIDs; anything else is refused before it reaches a query. */
export function validateId(id: string, field = 'id'): string {
  if (!UUID.test(id)) throw badInput(`${field} "${id.slice(0, 80)}" is not an id from this API`, field);
  return id.toLowerCase();
}
