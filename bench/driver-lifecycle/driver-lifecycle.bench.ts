import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark, Measurement } from '../benchmark.js';
import type { HypervisorDriver } from '../../drivers/driver.js';
import { KvmDriver } from '../../drivers/kvm/kvm-driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import { VmwareDriver } from '../../drivers/vmware/vmware-driver.js';
import { XenDriver } from '../../drivers/xen/xen-driver.js';
import { provideLibvirt } from '../../test/support/libvirt-server.js';
import { STATE } from '../../test/support/servers.js';
import { startSshd } from '../../test/support/sshd-server.js';
import { startVcsim } from '../../test/support/vcsim-server.js';
import { FakeXapi } from '../../test/support/xapi/fake-xapi-server.js';
import { DEFAULT_TEMPLATE } from '../../test/support/xapi/seed-pool.js';
import { percentile } from '../support/percentile.js';

/** A driver against its platform here, and how to take the platform down again. */
interface Platform {
  label: string;
  rounds: number;
  open(): Promise<{ driver: HypervisorDriver; stop(): Promise<void> }>;
}

const PLATFORMS: Platform[] = [
  {
    label: 'sim (in memory)',
    rounds: 50,
    open: async () => {
      const driver = new SimDriver({ store: new MemorySimVmStore() });
      return { driver, stop: () => driver.close() };
    },
  },
  {
    label: 'kvm (libvirt+QEMU over ssh, VM without OS)',
    rounds: 3,
    open: async () => {
      const libvirt = await provideLibvirt();
      const sshd = await startSshd();
      const storageDir = join(STATE, `bench-kvm-${randomUUID().slice(0, 8)}`);
      mkdirSync(storageDir, { recursive: true, mode: 0o755 });
      const baseImage = join(storageDir, 'base.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', baseImage, '1G']);
      const driver = new KvmDriver({ ssh: { host: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.privateKey, hostKeyFingerprint: sshd.hostKeyFingerprint }, libvirtUri: libvirt.uri, storageDir, baseImage });
      return {
        driver,
        stop: async () => {
          await driver.close();
          await sshd.stop();
          rmSync(storageDir, { recursive: true, force: true });
          await libvirt.stop();
        },
      };
    },
  },
  {
    label: 'vmware (govmomi vcsim)',
    rounds: 10,
    open: async () => {
      const vcsim = await startVcsim();
      const driver = new VmwareDriver({ url: vcsim.url, username: vcsim.username, password: vcsim.password, insecure: true, pollIntervalMs: 50, datacenter: 'DC0', cluster: 'DC0_C0', datastore: 'LocalDS_0', network: 'DC0_DVPG0' });
      return { driver, stop: async () => (await driver.close(), await vcsim.stop()) };
    },
  },
  {
    label: 'xen (FAKE XAPI in test/, 20 ms per operation: protocol cost only, not a hypervisor)',
    rounds: 10,
    open: async () => {
      const xapi = await FakeXapi.start({ operationMs: 20 });
      const driver = new XenDriver({ url: xapi.url, username: xapi.username, password: xapi.password, template: DEFAULT_TEMPLATE, taskPollIntervalMs: 5 });
      return { driver, stop: async () => (await driver.close(), await xapi.stop()) };
    },
  },
];

/**
 * Wall time of what createSite and deleteSite ask of a hypervisor: create a VM, start it, see it
 * running, destroy it — on each driver this machine can run. Ratios are against the sim.
 */
export const driverLifecycle: Benchmark = {
  name: 'driver-lifecycle',
  description: 'create → running → destroy wall time per driver (sim, kvm, vmware on vcsim, xen on the fake XAPI)',
  async run() {
    const measurements: Measurement[] = [];
    const details: Record<string, unknown> = {};
    let simMedian: number | null = null;
    for (const platform of PLATFORMS) {
      let opened;
      try {
        opened = await platform.open();
      } catch (error) {
        details[platform.label] = { skipped: (error as Error).message };
        continue;
      }
      const samples: number[] = [];
      try {
        for (let round = 0; round < platform.rounds; round++) {
          const started = performance.now();
          const vm = await opened.driver.create({ name: `bench-${randomUUID().slice(0, 8)}`, vcpus: 1, memoryMiB: 64, diskGiB: 1 });
          await opened.driver.start(vm.ref);
          if ((await opened.driver.get(vm.ref))?.powerState !== 'running') throw new Error(`${platform.label}: VM not running after start`);
          await opened.driver.destroy(vm.ref);
          samples.push(performance.now() - started);
        }
      } finally {
        await opened.stop();
      }
      const median = percentile(samples, 50);
      simMedian ??= median;
      measurements.push({ label: `${platform.label}: median of ${samples.length}`, value: Math.round(median * 10) / 10, unit: 'ms' });
      if (median !== simMedian) measurements.push({ label: `${platform.label}: × sim`, value: Math.round(median / simMedian), unit: '×' });
      details[platform.label] = { samplesMs: samples.map((ms) => Math.round(ms)) };
    }
    return { measurements, details };
  },
};
