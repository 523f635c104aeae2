import { describe, expect, it } from 'vitest';
import { Fatal } from '../../../plugins/plugin-errors.js';
import { createProvisioner } from '../../../plugins/provisioner/create-provisioner.js';
import type { ProvisionEvent } from '../../../plugins/provisioner/provisioner.js';
import { SimProvisioner } from '../../../plugins/provisioner/sim/sim-provisioner.js';

const target = { host: 'blog.hosting.test', hostKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMv1Y2Q2n1RlI5t8r3Q8dq1ZrB4q2Qh5j1QbQnV6xq2Z blog'] };
const vhost = (serverName: string) => ({ role: 'vhost', parameters: { name: 'default', serverName } });

describe('sim provisioner', () => {
  it('records what it would have done, and reports a repeated run unchanged', async () => {
    const sim = createProvisioner({ kind: 'sim' }) as SimProvisioner;
    const events: ProvisionEvent[] = [];
    const first = await sim.run(target, [{ role: 'apache' }, vhost('blog.hosting.test')], { onEvent: (event) => events.push(event) });
    expect(first.connections).toBe(0);
    expect(first.changed).toBe(first.steps.length);
    expect(events).toContainEqual({ type: 'output', role: 'vhost', step: 'vhost default configured', stream: 'stdout', line: 'sim: would write /etc/apache2/sites-available/hostgraph-default.conf' });

    const again = await sim.run(target, [{ role: 'apache' }, vhost('blog.hosting.test')]);
    expect(again.changed).toBe(0);
    expect(new Set(again.steps.map((step) => step.outcome))).toEqual(new Set(['unchanged', 'skipped']));

    // A new main name changes the vhost's file, which notifies the reload.
    const renamed = await sim.run(target, [vhost('www.blog.hosting.test')]);
    expect(renamed.steps.filter((step) => step.outcome === 'changed').map((step) => step.step)).toEqual(['vhost default configured', 'apache configuration valid', 'apache reloaded']);
    expect(sim.runs).toHaveLength(3);
  });

  it('refuses what the ssh provisioner refuses', async () => {
    const sim = createProvisioner({ kind: 'sim' });
    await expect(sim.run(target, [vhost('not a name')])).rejects.toBeInstanceOf(Fatal);
    await expect(sim.run(target, [{ role: 'packages', parameters: { install: ['$(reboot)'] } }])).rejects.toThrow(/Debian package names/);
  });
});
