import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Conflict,
  NotFound,
  Transient,
  Unsupported,
  type HypervisorDriver,
  type OperationOptions,
  type PowerState,
  type Vm,
  type VmSpec,
} from '../../drivers/driver.js';
import { generateHostKeys } from '../../subgraphs/ipreg/host-keys/generate-host-keys.js';
import { runAsTask } from './task-retry-harness.js';

/**
 * What a driver's test setup can do to its hypervisor beyond the driver interface. Every hook is
 * optional: the tests that need a missing one are skipped, not passed.
 */
export interface ConformanceHooks {
  /** Make the guest ignore ACPI shutdown requests (for real hypervisors: a guest with no ACPI daemon). */
  hungGuest?(ref: string): Promise<void>;
  /** Cut (`true`) or restore (`false`) the driver's connection to its host. */
  unreachable?(on: boolean): Promise<void>;
  /** What the VM's guest will boot with, for drivers that seed guests: its host name and public host keys. */
  seedOf?(vm: Vm): Promise<SeenSeed | null>;
}

export interface SeenSeed {
  hostname: string;
  /** Public halves, one `ssh_host_*_key.pub` line each. */
  hostKeys: string[];
}

export interface ConformanceSetup {
  driver: HypervisorDriver;
  hooks: ConformanceHooks;
  teardown(): Promise<void>;
  /** Hardware of the test VMs; tiny by default. */
  spec?: Omit<VmSpec, 'name'>;
  /** `timeoutMs` given to `shutdown`; a real guest without an OS never shuts down cleanly. Default 200. */
  shutdownTimeoutMs?: number;
}

/**
 * The one behaviour every hypervisor driver must show, whatever is behind it. Each test reads the
 * state back with `get` after acting, so a driver that reports success without doing the work fails,
 * and every operation's progress must be monotonic and end at 1.
 */
export function describeDriverConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`HypervisorDriver conformance: ${name}`, () => {
    let ctx: ConformanceSetup;
    let driver: HypervisorDriver;
    // Real hypervisors are shared: name test VMs so they are ours, and remove them after each test.
    const prefix = `conformance-${randomUUID().slice(0, 8)}`;
    const created = new Set<string>();

    beforeAll(async () => {
      ctx = await setup();
      driver = ctx.driver;
    });

    afterEach(async () => {
      await ctx.hooks.unreachable?.(false);
      for (const ref of created) await driver.destroy(ref);
      created.clear();
    });

    afterAll(async () => {
      await ctx?.teardown();
    });

    const spec = (label: string): VmSpec => ({
      name: `${prefix}-${label}`,
      ...(ctx.spec ?? { vcpus: 1, memoryMiB: 64, diskGiB: 1 }),
      labels: { suite: 'conformance', test: label },
    });
    const shutdownTimeoutMs = () => ctx.shutdownTimeoutMs ?? 200;

    /** Runs an operation and checks what it reported: fractions in 0–1, never going down, ending at 1. */
    async function tracked<T>(operation: (options: OperationOptions) => Promise<T>): Promise<T> {
      const seen: number[] = [];
      const result = await operation({ onProgress: (fraction) => seen.push(fraction) });
      expect(seen.length, 'progress was reported').toBeGreaterThan(0);
      for (const [index, fraction] of seen.entries()) {
        expect(fraction).toBeGreaterThanOrEqual(index === 0 ? 0 : seen[index - 1]);
        expect(fraction).toBeLessThanOrEqual(1);
      }
      expect(seen.at(-1), 'progress ends at 1').toBe(1);
      return result;
    }

    /** Reads the VM back and checks its power state: what the hypervisor says, not what the call returned. */
    async function expectState(ref: string, powerState: PowerState): Promise<Vm> {
      const vm = await driver.get(ref);
      expect(vm, `VM ${ref} exists`).not.toBeNull();
      expect(vm!.powerState).toBe(powerState);
      return vm!;
    }

    async function createVm(label: string): Promise<Vm> {
      const vm = await tracked((options) => driver.create(spec(label), options));
      created.add(vm.ref);
      return vm;
    }

    async function runningVm(label: string): Promise<Vm> {
      const vm = await createVm(label);
      await tracked((options) => driver.start(vm.ref, options));
      return expectState(vm.ref, 'running');
    }

    it('creates a stopped VM with the requested spec, found by get, findByName and list', async () => {
      const requested = spec('create');
      const vm = await createVm('create');
      expect(vm).toMatchObject({ ...requested, powerState: 'stopped' });
      expect(vm.ref).toEqual(expect.any(String));
      expect(await expectState(vm.ref, 'stopped')).toEqual(vm);
      expect(await driver.findByName(requested.name)).toEqual(vm);
      expect(await driver.findByName(`${prefix}-nobody`)).toBeNull();
      expect((await driver.list()).map((listed) => listed.ref)).toContain(vm.ref);
    });

    it('returns the existing VM when created again with the same spec, and refuses a different spec', async () => {
      const first = await createVm('idempotent');
      const again = await tracked((options) => driver.create(spec('idempotent'), options));
      expect(again.ref).toBe(first.ref);
      await expect(driver.create({ ...spec('idempotent'), diskGiB: spec('idempotent').diskGiB + 1 })).rejects.toBeInstanceOf(Conflict);
      const same = (await driver.list()).filter((vm) => vm.name === first.name);
      expect(same).toHaveLength(1);
    });

    it('starts a stopped VM', async () => {
      const vm = await createVm('start');
      const started = await tracked((options) => driver.start(vm.ref, options));
      expect(started.powerState).toBe('running');
      await expectState(vm.ref, 'running');
    });

    it('shuts a running VM down', async () => {
      const vm = await runningVm('shutdown');
      const shutdown = (options: OperationOptions) => driver.shutdown(vm.ref, { ...options, timeoutMs: shutdownTimeoutMs() });
      if (!driver.capabilities.gracefulShutdown) {
        await expect(shutdown({})).rejects.toBeInstanceOf(Unsupported);
        await expectState(vm.ref, 'running');
        return;
      }
      expect((await tracked(shutdown)).powerState).toBe('stopped');
      await expectState(vm.ref, 'stopped');
    });

    it('powers a VM off after the shutdown timeout when the guest ignores ACPI', async (test) => {
      if (!ctx.hooks.hungGuest || !driver.capabilities.gracefulShutdown) test.skip();
      const vm = await runningVm('hung-guest');
      await ctx.hooks.hungGuest!(vm.ref);
      const stopped = await tracked((options) => driver.shutdown(vm.ref, { ...options, timeoutMs: shutdownTimeoutMs() }));
      expect(stopped.powerState).toBe('stopped');
      await expectState(vm.ref, 'stopped');
    });

    it('powers a running VM off', async () => {
      const vm = await runningVm('power-off');
      expect((await tracked((options) => driver.powerOff(vm.ref, options))).powerState).toBe('stopped');
      await expectState(vm.ref, 'stopped');
    });

    it('reboots a running VM, which stays running', async () => {
      const vm = await runningVm('reboot');
      expect((await tracked((options) => driver.reboot(vm.ref, options))).powerState).toBe('running');
      await expectState(vm.ref, 'running');
    });

    it('suspends and resumes a VM, or says Unsupported when it cannot', async () => {
      const vm = await runningVm('suspend');
      if (!driver.capabilities.suspend) {
        await expect(driver.suspend(vm.ref)).rejects.toBeInstanceOf(Unsupported);
        await expect(driver.resume(vm.ref)).rejects.toBeInstanceOf(Unsupported);
        await expectState(vm.ref, 'running');
        return;
      }
      expect((await tracked((options) => driver.suspend(vm.ref, options))).powerState).toBe('suspended');
      await expectState(vm.ref, 'suspended');
      expect((await tracked((options) => driver.resume(vm.ref, options))).powerState).toBe('running');
      await expectState(vm.ref, 'running');
      // A suspended VM can be powered off without resuming it.
      await tracked((options) => driver.suspend(vm.ref, options));
      await tracked((options) => driver.powerOff(vm.ref, options));
      await expectState(vm.ref, 'stopped');
    });

    it('reverts to a snapshot, restoring the state it captured, or says Unsupported when it cannot', async () => {
      const vm = await createVm('snapshot');
      if (!driver.capabilities.snapshots) {
        await expect(driver.createSnapshot(vm.ref, 'before')).rejects.toBeInstanceOf(Unsupported);
        await expect(driver.listSnapshots(vm.ref)).rejects.toBeInstanceOf(Unsupported);
        return;
      }
      const snapshot = await tracked((options) => driver.createSnapshot(vm.ref, 'before', options));
      expect(snapshot).toMatchObject({ name: 'before', ref: expect.any(String) });
      expect(snapshot.createdAt).toBeInstanceOf(Date);
      // A retried step takes the same snapshot again and gets the one it made.
      expect((await tracked((options) => driver.createSnapshot(vm.ref, 'before', options))).ref).toBe(snapshot.ref);
      expect((await driver.listSnapshots(vm.ref)).map((listed) => listed.ref)).toEqual([snapshot.ref]);

      await tracked((options) => driver.start(vm.ref, options));
      await expectState(vm.ref, 'running');
      const reverted = await tracked((options) => driver.revertSnapshot(vm.ref, snapshot.ref, options));
      expect(reverted.powerState).toBe('stopped');
      expect(await expectState(vm.ref, 'stopped')).toMatchObject({ ...spec('snapshot') });

      await tracked((options) => driver.deleteSnapshot(vm.ref, snapshot.ref, options));
      expect(await driver.listSnapshots(vm.ref)).toEqual([]);
      await expect(driver.revertSnapshot(vm.ref, snapshot.ref)).rejects.toBeInstanceOf(NotFound);
      await expectState(vm.ref, 'stopped');
    });

    it('clones a stopped VM into a new stopped VM with the same spec, or says Unsupported when it cannot', async () => {
      const source = await createVm('clone-source');
      const cloneName = `${prefix}-clone-copy`;
      if (!driver.capabilities.clone) {
        await expect(driver.clone(source.ref, cloneName)).rejects.toBeInstanceOf(Unsupported);
        expect(await driver.findByName(cloneName)).toBeNull();
        return;
      }
      // Snapshots belong to the source; the clone starts without them.
      if (driver.capabilities.snapshots) await driver.createSnapshot(source.ref, 'source-only');
      const copy = await tracked((options) => driver.clone(source.ref, cloneName, options));
      created.add(copy.ref);
      expect(copy.ref).not.toBe(source.ref);
      const { name: _name, ...hardware } = spec('clone-source');
      expect(copy).toMatchObject({ ...hardware, name: cloneName, powerState: 'stopped' });
      await expectState(copy.ref, 'stopped');
      if (driver.capabilities.snapshots) expect(await driver.listSnapshots(copy.ref)).toEqual([]);
      // A retried step clones again and gets the clone it made.
      expect((await tracked((options) => driver.clone(source.ref, cloneName, options))).ref).toBe(copy.ref);
      // The copy is a VM of its own: starting it leaves the source alone.
      await tracked((options) => driver.start(copy.ref, options));
      await expectState(copy.ref, 'running');
      await expectState(source.ref, 'stopped');
    });

    it('gives a clone the seed it is cloned with, not its source\'s, on drivers that seed guests', async (test) => {
      if (!ctx.hooks.seedOf || !driver.capabilities.clone) test.skip();
      const seedFor = async (hostname: string): Promise<NonNullable<VmSpec['seed']>> => {
        const [key] = await generateHostKeys(hostname, ['ed25519']);
        return { hostname, users: [], hostKeys: [{ type: 'ed25519', privateKey: key.privateKey, publicKey: key.publicKey }] };
      };
      const [productionSeed, testSeed] = [await seedFor('prod.conformance.example.org'), await seedFor('test.conformance.example.org')];
      const source = await tracked((options) => driver.create({ ...spec('seeded-source'), seed: productionSeed }, options));
      created.add(source.ref);
      const copy = await tracked((options) => driver.clone(source.ref, `${prefix}-seeded-copy`, { ...options, seed: testSeed }));
      created.add(copy.ref);
      const seen = (seed: NonNullable<VmSpec['seed']>): SeenSeed => ({ hostname: seed.hostname, hostKeys: seed.hostKeys!.map((key) => key.publicKey) });
      expect(await ctx.hooks.seedOf!(copy)).toEqual(seen(testSeed));
      expect(await ctx.hooks.seedOf!(source)).toEqual(seen(productionSeed));
      // A retried clone step finds the clone it made, seeded as it was.
      expect((await driver.clone(source.ref, `${prefix}-seeded-copy`, { seed: testSeed })).ref).toBe(copy.ref);
      expect(await ctx.hooks.seedOf!(copy)).toEqual(seen(testSeed));
    });

    it('destroys a VM, running or not; destroying it again succeeds and get returns null', async () => {
      const vm = await runningVm('destroy');
      await tracked((options) => driver.destroy(vm.ref, options));
      expect(await driver.get(vm.ref)).toBeNull();
      expect(await driver.findByName(vm.name)).toBeNull();
      expect((await driver.list()).map((listed) => listed.ref)).not.toContain(vm.ref);
      await tracked((options) => driver.destroy(vm.ref, options));
      expect(await driver.get(vm.ref)).toBeNull();
      created.delete(vm.ref);
    });

    it('refuses operations in the wrong power state with Conflict and changes nothing', async () => {
      const vm = await createVm('conflict');
      await expect(driver.shutdown(vm.ref, { timeoutMs: shutdownTimeoutMs() })).rejects.toBeInstanceOf(
        driver.capabilities.gracefulShutdown ? Conflict : Unsupported,
      );
      await expect(driver.powerOff(vm.ref)).rejects.toBeInstanceOf(Conflict);
      await expect(driver.reboot(vm.ref)).rejects.toBeInstanceOf(Conflict);
      if (driver.capabilities.suspend) {
        await expect(driver.suspend(vm.ref)).rejects.toBeInstanceOf(Conflict);
        await expect(driver.resume(vm.ref)).rejects.toBeInstanceOf(Conflict);
      }
      await expectState(vm.ref, 'stopped');

      await tracked((options) => driver.start(vm.ref, options));
      await expect(driver.start(vm.ref)).rejects.toBeInstanceOf(Conflict);
      if (driver.capabilities.suspend) await expect(driver.resume(vm.ref)).rejects.toBeInstanceOf(Conflict);
      await expectState(vm.ref, 'running');
    });

    it('resizes in any power state where it can (a disk only grows), and says Unsupported where it cannot', async () => {
      const vm = await createVm('resize');
      const larger = { vcpus: vm.vcpus + 1, memoryMiB: vm.memoryMiB * 2, diskGiB: vm.diskGiB + 1 };
      if (!driver.capabilities.resize) {
        await expect(driver.resize(vm.ref, larger)).rejects.toBeInstanceOf(Unsupported);
        return;
      }
      expect(await tracked((options) => driver.resize(vm.ref, larger, options))).toMatchObject({ ...larger, powerState: 'stopped' });
      await tracked((options) => driver.start(vm.ref, options));
      expect(await driver.resize(vm.ref, larger)).toMatchObject({ ...larger, powerState: 'running' });
      await expect(driver.resize(vm.ref, { ...larger, diskGiB: larger.diskGiB - 1 })).rejects.toBeInstanceOf(Conflict);
      expect(await driver.get(vm.ref)).toMatchObject(larger);
    });

    it('says NotFound for a VM that does not exist, except get (null) and destroy (success)', async () => {
      const vm = await createVm('gone');
      await driver.destroy(vm.ref);
      created.delete(vm.ref);
      const ref = vm.ref; // a ref in the driver's own format that no longer exists
      expect(await driver.get(ref)).toBeNull();
      await driver.destroy(ref);
      const missing: [string, () => Promise<unknown>][] = [
        ['start', () => driver.start(ref)],
        ['shutdown', () => driver.shutdown(ref, { timeoutMs: shutdownTimeoutMs() })],
        ['powerOff', () => driver.powerOff(ref)],
        ['reboot', () => driver.reboot(ref)],
        ['suspend', () => driver.suspend(ref)],
        ['resume', () => driver.resume(ref)],
        ['createSnapshot', () => driver.createSnapshot(ref, 'x')],
        ['listSnapshots', () => driver.listSnapshots(ref)],
        ['clone', () => driver.clone(ref, `${prefix}-gone-copy`)],
      ];
      for (const [operation, call] of missing) {
        const capable =
          operation === 'shutdown'
            ? driver.capabilities.gracefulShutdown
            : ['suspend', 'resume'].includes(operation)
              ? driver.capabilities.suspend
              : operation.includes('Snapshot')
                ? driver.capabilities.snapshots
                : operation === 'clone'
                  ? driver.capabilities.clone
                  : true;
        await expect(call(), operation).rejects.toBeInstanceOf(capable ? NotFound : Unsupported);
      }
    });

    it('says Transient while the host is unreachable, and works again after', async (test) => {
      if (!ctx.hooks.unreachable) test.skip();
      const vm = await createVm('unreachable');
      await ctx.hooks.unreachable!(true);
      await expect(driver.list()).rejects.toBeInstanceOf(Transient);
      await expect(driver.get(vm.ref)).rejects.toBeInstanceOf(Transient);
      await expect(driver.start(vm.ref)).rejects.toBeInstanceOf(Transient);
      await expect(driver.create(spec('unreachable-other'))).rejects.toBeInstanceOf(Transient);
      await ctx.hooks.unreachable!(false);
      await expectState(vm.ref, 'stopped');
      expect(await driver.findByName(spec('unreachable-other').name)).toBeNull();
    });

    it('has a task that meets the unreachable host retry its step, which succeeds once the host is back', async (test) => {
      if (!ctx.hooks.unreachable) test.skip();
      const vm = await createVm('task-retry');
      await ctx.hooks.unreachable!(true);
      // The worker's own runtime and error classification: Transient is retried, after a backoff.
      const task = await runAsTask(
        async () => {
          const current = await driver.get(vm.ref);
          if (current?.powerState !== 'running') await driver.start(vm.ref);
        },
        () => ctx.hooks.unreachable!(false),
      );
      expect(task.events).toContain('TASK_RETRYING');
      expect(task.state).toBe('SUCCEEDED');
      expect(task.attempt).toBeGreaterThanOrEqual(2);
      await expectState(vm.ref, 'running');
    });
  });
}
