import type { ProvisionEvent } from '../../../plugins/provisioner/provisioner.js';

/**
 * Turns a provisioning run's events into the task's event stream: every line of output, every
 * step that changed or failed, every wait for a booting VM. The provisioner calls back without
 * waiting, so lines are written in order and `flush` waits for the last one.
 */
export function taskEventsOf(log: (message: string) => Promise<void>) {
  let written: Promise<void> = Promise.resolve();
  const write = (message: string) => {
    written = written.then(() => log(message)).catch(() => {});
  };
  return {
    onEvent(event: ProvisionEvent) {
      if (event.type === 'waiting') write(`waiting for SSH (attempt ${event.attempt}): ${event.reason}`);
      else if (event.type === 'output') write(`${event.role} · ${event.step}${event.stream === 'stderr' ? ' (stderr)' : ''}: ${event.line}`);
      else if (event.status === 'changed' || event.status === 'failed') write(`${event.role} · ${event.step}: ${event.status}`);
    },
    flush: () => written,
  };
}
