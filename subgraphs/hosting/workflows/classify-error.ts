import { NotFoundError } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
import { Conflict, DriverError, Fatal, NotFound, Transient, Unsupported } from '../../../drivers/driver.js';
import type { ErrorClassification } from '../../../core/tasks/task-runner.js';
import { Fatal as PluginFatal, Transient as PluginTransient } from '../../../plugins/plugin-errors.js';
import { StepFailed } from '../../../plugins/provisioner/step-failed.js';

/** Turns what a step threw into the code a task reports; only a Transient error is retried. */
export function classifySiteError(error: unknown): ErrorClassification {
  const message = error instanceof Error ? error.message : String(error);
  // A hypervisor, or a plugin (provisioner, DNS, certificates) whose VM is still booting or server is down, may answer the retry.
  if (error instanceof Transient || error instanceof PluginTransient) return { code: 'TRANSIENT', message, retryable: true };
  if (error instanceof StepFailed) return { code: 'PROVISIONING_FAILED', message, retryable: false };
  // A DNS server, CA or VM that refused: its own words, no retry.
  if (error instanceof PluginFatal) return { code: 'UPSTREAM_REFUSED', message, retryable: false };
  if (error instanceof NotFound || error instanceof NotFoundError) return { code: 'NOT_FOUND', message, retryable: false };
  if (error instanceof Conflict) return { code: 'CONFLICT', message, retryable: false };
  if (error instanceof Unsupported) return { code: 'UNSUPPORTED', message, retryable: false };
  if (error instanceof Fatal || error instanceof DriverError) return { code: 'HYPERVISOR_ERROR', message, retryable: false };
  // A subgraph that did not answer (the inventory, identity) may answer the retry.
  if (error instanceof GraphQLError && error.extensions.code === 'SERVICE_UNAVAILABLE') return { code: 'SERVICE_UNAVAILABLE', message, retryable: true };
  // No host has room: retrying cannot help until an admin adds capacity.
  if (error instanceof GraphQLError && error.extensions.code === 'NO_CAPACITY') return { code: 'NO_CAPACITY', message, retryable: false };
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') {
    return { code: error.extensions.code, message, retryable: false };
  }
  return { code: 'INTERNAL_ERROR', message, retryable: false };
}
