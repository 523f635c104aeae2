import { Conflict, DriverError, Fatal, NotFound, Transient, Unsupported } from '../driver.js';
import { VimFault, VimUnavailableError } from './vim/vim-errors.js';

type DriverErrorClass = new (message: string, upstream?: unknown) => DriverError;

/** vim25 faults (and the subtypes met in practice) by what a caller should do about them. */
const FAULT_CLASSES: Record<string, DriverErrorClass> = {
  ManagedObjectNotFound: NotFound,
  InvalidState: Conflict,
  InvalidPowerState: Conflict,
  InvalidVmState: Conflict,
  DuplicateName: Conflict,
  NotSupported: Unsupported,
  NotImplemented: Unsupported,
  MethodNotFound: Unsupported,
  HostCommunication: Transient,
  HostNotConnected: Transient,
  HostNotReachable: Transient,
  TaskInProgress: Transient,
  NotAuthenticated: Transient,
};

/**
 * The driver error for whatever a vSphere call threw, keeping the fault's name and words:
 * `vmware: PowerOnVM_Task on vm-42: InvalidPowerState: …`. Unknown faults are Fatal.
 */
export function toDriverError(error: unknown, doing: string): DriverError {
  if (error instanceof DriverError) return error;
  if (error instanceof VimFault) {
    const DriverErrorClass = FAULT_CLASSES[error.faultName] ?? Fatal;
    return new DriverErrorClass(`vmware: ${doing}: ${error.faultName}: ${error.message}`, error);
  }
  if (error instanceof VimUnavailableError) return new Transient(`vmware: ${doing}: ${error.message}`, error);
  return new Fatal(`vmware: ${doing}: ${error instanceof Error ? error.message : String(error)}`, error);
}
