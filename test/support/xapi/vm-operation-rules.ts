import { XapiFailure } from './xapi-failure.js';
import type { PowerState, VmFields } from './xapi-records.js';

/**
 * Which VM operations XAPI allows when, after `check_operation_error` in xapi_vm_lifecycle.ml, in
 * its order: blocked operations, power state, operations already running, template rules, snapshot
 * rules, provision only of templates, revert only to snapshots.
 */

export type VmOperation =
  | 'start'
  | 'clean_shutdown'
  | 'hard_shutdown'
  | 'shutdown'
  | 'clean_reboot'
  | 'hard_reboot'
  | 'suspend'
  | 'resume'
  | 'clone'
  | 'copy'
  | 'provision'
  | 'snapshot'
  | 'checkpoint'
  | 'revert'
  | 'reverting'
  | 'destroy'
  | 'changing_VCPUs'
  | 'changing_memory_limits'
  | 'make_into_template';

const ALL_STATES: PowerState[] = ['Halted', 'Paused', 'Suspended', 'Running'];
const LIVE_OR_SUSPENDED: PowerState[] = ['Paused', 'Suspended', 'Running'];

/** `allowed_power_states` in xapi_vm_lifecycle.ml. */
function allowedPowerStates(vm: VmFields, operation: VmOperation): PowerState[] {
  switch (operation) {
    case 'start':
    case 'provision':
    case 'make_into_template':
      return ['Halted'];
    case 'changing_VCPUs':
    case 'changing_memory_limits':
      return vm.is_control_domain ? ['Halted', 'Running'] : ['Halted'];
    case 'resume':
      return ['Suspended'];
    case 'clean_shutdown':
    case 'clean_reboot':
    case 'suspend':
      return ['Running'];
    case 'hard_reboot':
      return ['Paused', 'Running'];
    case 'hard_shutdown':
    case 'shutdown':
    case 'checkpoint':
      return LIVE_OR_SUSPENDED;
    case 'clone':
    case 'copy':
      // Cloning suspended VMs is a pool option (clone_suspended_vm_enabled), off here.
      return vm.is_a_snapshot ? ['Halted', 'Suspended'] : ['Halted'];
    case 'destroy':
      return ['Halted', 'Suspended'];
    case 'snapshot':
    case 'revert':
    case 'reverting':
      return ALL_STATES;
  }
}

/** `is_allowed_concurrently`: long copies together, snapshots together; a hard shutdown or reboot overrides the rest. */
function allowedConcurrently(operation: VmOperation, running: string[]): boolean {
  const together = (group: string[]) => group.includes(operation) && running.every((other) => group.includes(other));
  if (together(['clone', 'copy']) || together(['snapshot', 'checkpoint'])) return true;
  if (operation === 'hard_shutdown') return !running.includes('hard_shutdown');
  if (operation === 'hard_reboot') return !running.some((other) => other === 'hard_shutdown' || other === 'hard_reboot');
  return false;
}

/** `check_template`: templates can be cloned, copied, provisioned and resized; destroyed unless a default template. */
const TEMPLATE_OPERATIONS = new Set<VmOperation>(['changing_VCPUs', 'changing_memory_limits', 'clone', 'copy', 'provision']);
/** `check_snapshot` */
const SNAPSHOT_OPERATIONS = new Set<VmOperation>(['revert', 'clone', 'copy', 'destroy', 'hard_shutdown']);

const lowercase = (state: PowerState) => state.toLowerCase();

/** The error XAPI gives for `operation` on the VM now, or null when it is allowed. */
export function vmOperationError(ref: string, vm: VmFields, operation: VmOperation, running: Map<string, string>): XapiFailure | null {
  if (Object.hasOwn(vm.blocked_operations, operation)) return new XapiFailure('OPERATION_BLOCKED', ref, vm.blocked_operations[operation]);
  const allowed = allowedPowerStates(vm, operation);
  if (!allowed.includes(vm.power_state)) {
    return new XapiFailure('VM_BAD_POWER_STATE', ref, allowed.map(lowercase).join(', '), lowercase(vm.power_state));
  }
  if (running.size > 0 && !allowedConcurrently(operation, [...running.values()])) {
    const [[task, other]] = running;
    return new XapiFailure('OTHER_OPERATION_IN_PROGRESS', 'VM', ref, other, task);
  }
  if (vm.is_a_template && !vm.is_a_snapshot) {
    const destroyable = operation === 'destroy' && !vm.is_default_template;
    if (!TEMPLATE_OPERATIONS.has(operation) && !destroyable) return new XapiFailure('VM_IS_TEMPLATE', ref, operation);
  }
  if (vm.is_a_snapshot && !SNAPSHOT_OPERATIONS.has(operation)) return new XapiFailure('VM_IS_SNAPSHOT', ref, operation);
  if (operation === 'provision' && !vm.is_a_template) return new XapiFailure('ONLY_PROVISION_TEMPLATE');
  if (operation === 'revert' && !vm.is_a_snapshot) return new XapiFailure('ONLY_REVERT_SNAPSHOT');
  return null;
}

const LISTED_OPERATIONS: VmOperation[] = [
  'start', 'clean_shutdown', 'hard_shutdown', 'shutdown', 'clean_reboot', 'hard_reboot', 'suspend', 'resume',
  'clone', 'copy', 'provision', 'snapshot', 'checkpoint', 'revert', 'destroy', 'changing_VCPUs', 'changing_memory_limits',
];

/** VM.allowed_operations: advisory, as in XAPI; the check above is what counts. */
export function allowedVmOperations(vm: VmFields, running: Map<string, string>): string[] {
  return LISTED_OPERATIONS.filter((operation) => vmOperationError('', vm, operation, running) === null);
}
