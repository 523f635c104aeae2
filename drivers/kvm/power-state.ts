import { Fatal, type PowerState } from '../driver.js';

/**
 * `virsh domstate` words (libvirt's virDomainState) as Hostgraph's power states. A paused domain is
 * suspended; a crashed one is no longer running, so it is stopped and can be started again.
 */
const POWER_STATES: Record<string, PowerState> = {
  running: 'running',
  idle: 'running',
  blocked: 'running',
  'in shutdown': 'running',
  paused: 'suspended',
  pmsuspended: 'suspended',
  'shut off': 'stopped',
  crashed: 'stopped',
};

export function powerStateOf(domstateOutput: string): PowerState {
  const word = domstateOutput.trim().split('\n')[0]?.trim() ?? '';
  const state = POWER_STATES[word];
  if (!state) throw new Fatal(`kvm: virsh domstate said "${word}", which is no domain state this driver knows`);
  return state;
}
