import { badInput } from '../../../core/errors.js';
import { InvalidHostConnection } from '../../../drivers/registry/connection-uri.js';
import { parseHostConnection } from '../../../drivers/registry/driver-kinds.js';

export interface HostCapacityInput {
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

export interface NewHost {
  name: string;
  driver: string;
  uri: string;
  credentialRef?: string | null;
  location?: string | null;
  capacity: HostCapacityInput;
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Stored in 32-bit integer columns. */
const MAX_CAPACITY = 2 ** 31 - 1;

/** Checks everything about a new host before anything is written; the first problem is the error. */
export function validateNewHost(input: NewHost): Required<NewHost> {
  if (!HOST_NAME.test(input.name)) {
    throw badInput(`Host name "${input.name.slice(0, 80)}" must be lower-case letters, digits and hyphens (1–63), no hyphen at either end`, 'name');
  }
  const credentialRef = input.credentialRef?.trim() ? input.credentialRef.trim() : null;
  try {
    parseHostConnection(input.driver, input.uri, credentialRef);
  } catch (error) {
    if (error instanceof InvalidHostConnection) throw badInput(error.message, error.field);
    throw error;
  }
  for (const [field, value] of Object.entries(input.capacity) as [keyof HostCapacityInput, number][]) {
    if (!Number.isInteger(value) || value <= 0 || value > MAX_CAPACITY) {
      throw badInput(`capacity.${field} must be a whole number above 0 (got ${value})`, `capacity.${field}`);
    }
  }
  const location = input.location?.trim() || null;
  if (location && location.length > 255) throw badInput('location is longer than 255 characters', 'location');
  return { ...input, credentialRef, location, capacity: { vcpus: input.capacity.vcpus, memoryMiB: input.capacity.memoryMiB, diskGiB: input.capacity.diskGiB } };
}
