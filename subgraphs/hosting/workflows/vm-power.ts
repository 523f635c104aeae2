import type { Vm as VmRow } from '../vms/vm-entity.js';
import { loadVm, progressOf, setSiteState, vmDriver, vmOf, type SiteStepContext } from './site-vm.js';

/** Starts the VM (production unless `row` says otherwise), or resumes it; a running one is left alone. */
export async function ensureRunning(context: SiteStepContext<any>, row?: VmRow): Promise<void> {
  const target = row ?? (await loadVm(context));
  const vm = await vmOf(context, target);
  const driver = await vmDriver(context, target);
  if (vm.powerState === 'suspended') await driver.resume(vm.ref, progressOf(context));
  else if (vm.powerState !== 'running') await driver.start(vm.ref, progressOf(context));
}

/**
 * Stops the VM: a clean shutdown that pulls the plug after the platform's timeout, or at once
 * with `force`. Says whether it was running, for an undo that starts it again.
 */
export async function ensureStopped(context: SiteStepContext<any>, { force = false, row }: { force?: boolean; row?: VmRow } = {}): Promise<boolean> {
  const target = row ?? (await loadVm(context));
  const vm = await vmOf(context, target);
  if (vm.powerState === 'stopped') return false;
  const driver = await vmDriver(context, target);
  if (force || vm.powerState === 'suspended') await driver.powerOff(vm.ref, progressOf(context));
  else await driver.shutdown(vm.ref, { ...progressOf(context), timeoutMs: context.deps.shutdownTimeoutMs });
  return vm.powerState === 'running';
}

/** A running or stopped site takes the power state its production VM has now (after a revert, a swap, a failed reset). */
export async function followProductionPower(context: SiteStepContext<any>, site: { state: string }): Promise<void> {
  if (site.state !== 'RUNNING' && site.state !== 'STOPPED') return;
  // Settling must not fail: a VM that cannot be read now is left to reconciliation to follow.
  const vm = await vmOf(context, await loadVm(context)).catch(() => null);
  if (vm) await setSiteState(context, vm.powerState === 'running' ? 'RUNNING' : 'STOPPED');
}
