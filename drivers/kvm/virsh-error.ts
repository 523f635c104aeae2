import { Conflict, Fatal, NotFound, Transient, type DriverError } from '../driver.js';

/** virsh's words, checked in order; the first match says what kind of failure it was. */
const KINDS: [RegExp, new (message: string) => DriverError][] = [
  [/Domain not found|failed to get domain|no domain with matching|Domain snapshot not found|no domain snapshot with matching/i, NotFound],
  [/domain is not running|already active|already running|is not paused|Requested operation is not valid|already exists/i, Conflict],
  // libvirtd down or restarting, or busy with another job on the domain.
  [/failed to connect to the hypervisor|Failed to connect socket|cannot acquire state change lock|Timed out during operation/i, Transient],
];

/** Turns a failed virsh command into the driver error its message calls for, keeping virsh's words. */
export function virshError(command: string, exitCode: number, stderr: string): DriverError {
  const words = stderr
    .split('\n')
    .map((line) => line.replace(/^error:\s*/, '').trim())
    .filter(Boolean)
    .join('; ');
  if (exitCode === 127) return new Fatal(`kvm: virsh is not installed on the host (${words || 'command not found'})`);
  const message = `kvm: virsh ${command}: ${words || `exited with ${exitCode}`}`;
  const kind = KINDS.find(([pattern]) => pattern.test(words))?.[1] ?? Fatal;
  return new kind(message);
}
