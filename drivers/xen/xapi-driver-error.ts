import { Conflict, DriverError, Fatal, NotFound, Transient } from '../driver.js';
import { XapiError, XapiTransportError } from './xapi-error.js';

/** XAPI errors that say "not now": the host or the object is busy or away, and the same call may work later. */
const TRANSIENT_CODES = new Set([
  'HOST_OFFLINE',
  'HOST_NOT_LIVE',
  'HOST_STILL_BOOTING',
  'HOST_IN_EMERGENCY_MODE',
  'HOST_CANNOT_CONNECT_TO_MASTER',
  'TOO_BUSY',
  'TOO_MANY_PENDING_TASKS',
  'OTHER_OPERATION_IN_PROGRESS',
  'TASK_CANCELLED',
  // Still refused after logging in again: the toolstack is restarting under us.
  'SESSION_INVALID',
]);

/** The object is in the wrong state for the call. */
const CONFLICT_CODES = new Set(['VM_BAD_POWER_STATE']);

/**
 * Turns whatever a XAPI call threw into the driver's error classes, keeping XAPI's error code and
 * parameters in the message (`xen: start OpaqueRef:…: VM_BAD_POWER_STATE [OpaqueRef:…, halted, running]`).
 */
export function toDriverError(error: unknown, action: string): DriverError {
  if (error instanceof DriverError) return error;
  const prefix = `xen: ${action}`;
  if (error instanceof XapiTransportError) {
    return error.transient ? new Transient(`${prefix}: ${error.message}`, error) : new Fatal(`${prefix}: ${error.message}`, error);
  }
  if (error instanceof XapiError) {
    const message = `${prefix}: ${error.message}${error.method ? ` (from ${error.method})` : ''}`;
    if (error.code === 'HANDLE_INVALID') return new NotFound(message, error);
    if (CONFLICT_CODES.has(error.code)) return new Conflict(message, error);
    if (TRANSIENT_CODES.has(error.code)) return new Transient(message, error);
    if (error.code === 'SESSION_AUTHENTICATION_FAILED') {
      return new Fatal(`${prefix}: XAPI refused the login (${error.message}); check the xen username and password`, error);
    }
    if (error.code === 'HOST_IS_SLAVE') {
      return new Fatal(`${prefix}: ${error.message}: this host is a pool member; point the xen url at the pool master`, error);
    }
    return new Fatal(message, error);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new Fatal(`${prefix}: ${reason}`, error);
}
